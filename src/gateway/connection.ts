import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { App } from '../core/apps.js';
import type { KickReason } from '../core/kick.js';
import { errorCatalog, isParleyError, ParleyError } from '../errors.js';
import type { SessionInfo } from '../store/presence.js';
import { closeCodes } from './close-codes.js';
import { clientFrame, idOf, type ClientFrame, type ConnectFrame, type RequestId, type ServerFrame } from './frames.js';
import type { GatewayContext } from './gateway.js';

/**
 * One device's WebSocket from handshake to close: authenticates the `connect`
 * frame, then answers each request exactly once with a `result`.
 */
export class Connection {
  private session: SessionInfo | undefined;
  private app: App | undefined;
  private connecting = false;
  private closed = false;
  private readonly handshakeTimer: NodeJS.Timeout;
  /** Cleared by the heartbeat, set by any sign of life. */
  alive = true;
  log: Logger;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: GatewayContext,
  ) {
    this.log = context.logger;
    this.handshakeTimer = setTimeout(() => this.socket.close(closeCodes.handshakeTimeout, 'connect expected'), context.handshakeTimeoutMs);
    socket.on('message', (data: Buffer, isBinary) => this.onMessage(isBinary ? null : data.toString()));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => void this.onClose());
    socket.on('error', (err) => this.log.debug({ err }, 'socket error'));
  }

  get sessionId(): string | undefined {
    return this.session?.sessionId;
  }

  /** The server's own closing of this session: a `kicked` frame, then close 4002. */
  kick(reason: KickReason): void {
    this.log.info({ reason }, 'session kicked');
    this.send({ op: 'kicked', reason });
    this.socket.close(closeCodes.kicked, reason);
  }

  /** Heartbeat: a socket that did not answer the previous ping is dropped. */
  probe(): void {
    if (!this.alive) {
      this.log.info('no pong: dropping dead socket');
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  private send(frame: ServerFrame): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private onMessage(raw: string | null): void {
    this.alive = true;
    let json: unknown;
    try {
      json = raw === null ? undefined : JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const parsed = clientFrame.safeParse(json);
    if (!parsed.success) {
      const detail = json === undefined ? 'not a JSON text frame' : parsed.error.issues.map((i) => `${i.path.join('.') || 'frame'}: ${i.message}`).join('; ');
      this.fail(idOf(json), new ParleyError('badParameter', detail));
      return;
    }
    void this.dispatch(parsed.data);
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    try {
      if (frame.op === 'connect') {
        await this.handshake(frame);
        return;
      }
      if (!this.session || !this.app) throw new ParleyError('notConnected');
      switch (frame.op) {
        case 'ping':
          this.reply(frame.id, {});
          return;
      }
    } catch (err) {
      this.fail(frame.id, err);
    }
  }

  private async handshake(frame: ConnectFrame): Promise<void> {
    if (this.session || this.connecting) throw new ParleyError('badParameter', 'already connected');
    this.connecting = true;
    let authenticated;
    try {
      authenticated = await this.context.users.authenticate(frame.token, frame.appKey);
    } catch (err) {
      this.fail(frame.id, err);
      this.socket.close(closeCodes.badToken, 'token incorrect');
      return;
    }
    clearTimeout(this.handshakeTimer);
    if (this.closed) return;
    const { app, user, tokenIssuedAt } = authenticated;
    const session: SessionInfo = {
      sessionId: randomUUID(),
      userId: user.userId,
      deviceId: frame.deviceId,
      platform: frame.platform,
      nodeId: this.context.nodeId,
      connectedAt: this.context.clock.now(),
      tokenIssuedAt,
    };
    this.log = this.context.logger.child({ appKey: app.appKey, userId: user.userId, deviceId: frame.deviceId });
    this.app = app;
    this.session = session;
    this.context.register(this);
    await this.context.sessions.open(app, session);
    this.log.info({ sessionId: session.sessionId, platform: frame.platform }, 'session opened');
    this.reply(frame.id, { userId: user.userId, sessionId: session.sessionId, seq: 0, epoch: '' });
    this.send({ op: 'synced', seq: 0 });
  }

  private reply(id: RequestId, data: unknown): void {
    this.send({ op: 'result', id, ok: true, data });
  }

  private fail(id: RequestId | null, err: unknown): void {
    if (isParleyError(err)) {
      this.log.info({ code: err.code, error: err.message }, 'request refused');
      this.send({ op: 'result', id, ok: false, code: err.code, error: err.message });
      return;
    }
    this.log.error({ err }, 'request failed');
    this.send({ op: 'result', id, ok: false, code: errorCatalog.internal.code, error: errorCatalog.internal.message });
  }

  private async onClose(): Promise<void> {
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    const { session, app } = this;
    if (!session || !app) return;
    this.context.unregister(this);
    try {
      await this.context.sessions.close(app.appKey, session);
    } catch (err) {
      this.log.error({ err }, 'could not remove presence of a closed session');
    }
    this.log.info({ sessionId: session.sessionId }, 'session closed');
  }
}
