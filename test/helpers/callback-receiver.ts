import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One callback request as an app backend received it. */
export interface ReceivedCallback {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Form fields (form bodies) ; JSON bodies are in `json`. */
  form: Record<string, string>;
  json: unknown;
  /** The status it was answered with. */
  status: number;
  /** Epoch ms it arrived. */
  at: number;
}

/** An answer with a body of its own (a pre-send decision); a bare status is answered `OK` or `no`. */
export interface CallbackAnswer {
  status: number;
  body: string;
}

/**
 * An app backend's callback endpoint over loopback (node:http): records every request and
 * answers with `answer(request)` (200 unless told otherwise). `down()` closes the port so
 * that connections are refused; `up()` listens again on the same port.
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  answer: (request: Omit<ReceivedCallback, 'status' | 'at'>) => number | CallbackAnswer | Promise<number | CallbackAnswer> = () => 200;
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/callback?app=test`;
  }

  /** Requests answered 200 (what the backend took in). */
  get accepted(): ReceivedCallback[] {
    return this.received.filter((r) => r.status === 200);
  }

  async up(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://receiver');
        const isJson = String(req.headers['content-type']).startsWith('application/json');
        const request = {
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          form: isJson ? {} : Object.fromEntries(new URLSearchParams(text)),
          json: isJson ? (JSON.parse(text) as unknown) : undefined,
        };
        const at = Date.now();
        void Promise.resolve(this.answer(request)).then((answer) => {
          const { status, body } = typeof answer === 'number' ? { status: answer, body: answer === 200 ? 'OK' : 'no' } : answer;
          this.received.push({ ...request, status, at });
          res.writeHead(status, { 'content-type': typeof answer === 'number' ? 'text/plain' : 'application/json' }).end(body);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening: callbacks find the port closed until `up()`. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `count` requests were answered 200, or fails after `timeoutMs`. */
  async waitForAccepted(count: number, timeoutMs = 15_000): Promise<ReceivedCallback[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.accepted.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} callbacks, got ${this.accepted.length} (${this.received.length} requests)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.accepted;
  }
}

/** Checks a callback's signature as an app backend would: hex(sha1(appSecret + nonce + signTimestamp)). */
export function signatureIsValid(request: Pick<ReceivedCallback, 'query'>, appSecret: string): boolean {
  const nonce = request.query.get('nonce') ?? '';
  const signTimestamp = request.query.get('signTimestamp') ?? '';
  const expected = createHash('sha1').update(appSecret + nonce + signTimestamp).digest('hex');
  return nonce !== '' && signTimestamp !== '' && request.query.get('signature') === expected;
}
