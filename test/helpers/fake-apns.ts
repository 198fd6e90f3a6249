import { randomUUID, type KeyObject } from 'node:crypto';
import { createServer, constants, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { listenOnLoopback, Script, verifyJwt } from './fake-push.js';

export interface ApnsPush {
  token: string;
  headers: IncomingHttpHeaders;
  payload: { aps: { alert: { title: string; body: string }; badge?: number; 'thread-id'?: string; 'interruption-level'?: string }; rc?: Record<string, unknown>; appData?: string };
  /** The provider token it came with. */
  jwt: string;
  /** What the fake answered. */
  status: number;
  /** When it answered (epoch ms): benchmarks time the last push by it. */
  at: number;
}

/**
 * A fake APNs over cleartext HTTP/2 on loopback, answering as Apple documents: it checks
 * the provider token (ES256, `kid`, `iss`, an `iat` under an hour old) with the public key,
 * the topic and the device token, then answers 200 with an `apns-id`, or what the test
 * scripted for the token (410 Unregistered, 429, 503 …) with Apple's JSON `reason`.
 */
export class FakeApns {
  readonly pushes: ApnsPush[] = [];
  readonly script = new Script();
  private server: Http2Server | undefined;
  private readonly sessions = new Set<ServerHttp2Session>();
  url = '';

  constructor(private readonly expect: { teamId: string; keyId: string; bundleId: string; publicKey: KeyObject }) {}

  /** Accepted pushes (status 200). */
  get delivered(): ApnsPush[] {
    return this.pushes.filter((p) => p.status === 200);
  }

  /** Listens on `port` (0: any free one). */
  async start(port = 0): Promise<this> {
    const server = createServer();
    server.on('session', (session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
    });
    server.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.url = await listenOnLoopback(server, port);
    this.server = server;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Clients keep their sessions open: the server closes only once they are gone.
    for (const session of this.sessions) session.destroy();
    await closed;
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const path = String(headers[constants.HTTP2_HEADER_PATH]);
      const token = /^\/3\/device\/([^/?]+)$/.exec(path)?.[1];
      const jwt = String(headers.authorization ?? '').replace(/^bearer /, '');
      const answer = (status: number, reason?: string, retryAfter?: number) => {
        if (token) this.pushes.push({ token, headers, payload: parse(chunks), jwt, status, at: Date.now() });
        stream.respond({ ':status': status, 'apns-id': String(headers['apns-id'] ?? randomUUID()), ...(retryAfter !== undefined && { 'retry-after': String(retryAfter) }) });
        stream.end(reason ? JSON.stringify({ reason, ...(status === 410 && { timestamp: Date.now() }) }) : undefined);
      };
      if (headers[constants.HTTP2_HEADER_METHOD] !== 'POST') return answer(405, 'MethodNotAllowed');
      if (!token) return answer(404, 'BadPath');
      const provider = verifyJwt(jwt, 'ES256', this.expect.publicKey);
      if (!provider || provider.header.kid !== this.expect.keyId || provider.claims.iss !== this.expect.teamId) return answer(403, 'InvalidProviderToken');
      if (Date.now() / 1000 - Number(provider.claims.iat) > 3600) return answer(403, 'ExpiredProviderToken');
      if (headers['apns-topic'] !== this.expect.bundleId) return answer(400, 'TopicDisallowed');
      if (!/^[0-9a-f]{64}$/i.test(token)) return answer(400, 'BadDeviceToken');
      const payload = parse(chunks);
      if (!payload?.aps) return answer(400, 'PayloadEmpty');
      const scripted = this.script.next(token);
      if (scripted) return answer(scripted.status, scripted.reason, scripted.retryAfter);
      answer(200);
    });
  }
}

function parse(chunks: Buffer[]): ApnsPush['payload'] {
  try {
    return JSON.parse(Buffer.concat(chunks).toString()) as ApnsPush['payload'];
  } catch {
    return undefined as unknown as ApnsPush['payload'];
  }
}
