import { randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback, Script, verifyJwt } from './fake-push.js';

export interface FcmPush {
  token: string;
  message: { token: string; notification: { title: string; body: string; image?: string }; data: Record<string, string>; android?: { collapse_key?: string; notification?: { channel_id?: string; notification_count?: number } } };
  status: number;
}

/**
 * A fake Google OAuth2 token endpoint and FCM HTTP v1 over plain HTTP on loopback. The
 * token endpoint checks the service-account assertion (RS256 with the public key, `iss`,
 * `aud`, `scope`, `exp`) and issues access tokens; `messages:send` takes only those, for
 * the configured project, and answers 200 `{name}` or the scripted error in Google's shape
 * (`{error: {code, message, status, details: [FcmError, BadRequest]}}`).
 */
export class FakeFcm {
  readonly pushes: FcmPush[] = [];
  readonly script = new Script();
  /** Access tokens issued, in order. */
  readonly issued: string[] = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly expect: { projectId: string; clientEmail: string; publicKey: KeyObject }) {}

  get tokenUri(): string {
    return `${this.url}/token`;
  }

  get delivered(): FcmPush[] {
    return this.pushes.filter((p) => p.status === 200);
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.url = await listenOnLoopback(server);
    this.server = server;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    if (req.method === 'POST' && req.url === '/token') return this.exchange(body, res);
    if (req.method === 'POST' && req.url === `/v1/projects/${this.expect.projectId}/messages:send`) return this.send(req, body, res);
    if (req.method === 'POST' && req.url?.startsWith('/v1/projects/')) return reply(res, 403, googleError(403, 'PERMISSION_DENIED', 'SenderId mismatch'));
    reply(res, 404, googleError(404, 'NOT_FOUND', 'no such method'));
  }

  private exchange(body: string, res: ServerResponse): void {
    const form = new URLSearchParams(body);
    const assertion = verifyJwt(form.get('assertion') ?? '', 'RS256', this.expect.publicKey);
    const claims: Record<string, unknown> = assertion?.claims ?? {};
    const valid =
      form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
      assertion !== undefined &&
      claims.iss === this.expect.clientEmail &&
      claims.aud === this.tokenUri &&
      String(claims.scope).split(' ').includes('https://www.googleapis.com/auth/firebase.messaging') &&
      Number(claims.exp) > Date.now() / 1000;
    if (!valid) return reply(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    const accessToken = `ya29.${randomBytes(16).toString('hex')}`;
    this.issued.push(accessToken);
    reply(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }

  private send(req: IncomingMessage, body: string, res: ServerResponse): void {
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.issued.includes(bearer)) return reply(res, 401, googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'));
    let message: FcmPush['message'];
    try {
      message = (JSON.parse(body) as { message: FcmPush['message'] }).message;
    } catch {
      return reply(res, 400, googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'));
    }
    const answer = (status: number, error?: object, retryAfter?: number) => {
      this.pushes.push({ token: message.token, message, status });
      reply(res, status, error ?? { name: `projects/${this.expect.projectId}/messages/0:${Date.now()}` }, retryAfter);
    };
    if (!message?.token) return reply(res, 400, googleError(400, 'INVALID_ARGUMENT', 'Recipient of the message is not set.'));
    const scripted = this.script.next(message.token);
    if (!scripted) return answer(200);
    const status = scripted.reason ?? 'INTERNAL';
    const error = googleError(scripted.status, status, 'scripted', scripted.onToken);
    answer(scripted.status, error, scripted.retryAfter);
  }
}

function googleError(code: number, status: string, message: string, onToken = false) {
  return {
    error: {
      code,
      message,
      status: status === 'UNREGISTERED' ? 'NOT_FOUND' : status,
      details: [
        { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: status },
        ...(onToken ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }] }] : []),
      ],
    },
  };
}

function reply(res: ServerResponse, status: number, body: object, retryAfter?: number): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...(retryAfter !== undefined && { 'retry-after': String(retryAfter) }) });
  res.end(JSON.stringify(body));
}
