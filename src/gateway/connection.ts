import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Gap } from '../core/catch-up.js';
import type { DeviceLink, DeviceSession } from '../core/device-session.js';
import type { OutgoingMessage } from '../core/outgoing.js';
import { asParleyError, errorCatalog, ParleyError } from '../errors.js';
import type { KickReason } from '../model/kick.js';
import { closeCodes } from './close-codes.js';
import { expansionChangeOf } from './expansion-frame.js';
import { FrameBudget } from './frame-budget.js';
import { parseClientFrame, type ClientFrame, type ConnectFrame, type RequestId, type ServerFrame } from './frames.js';
import type { DeviceSocket, FrameCounter, GatewayContext } from './gateway.js';
import { Heartbeat } from './heartbeat.js';
import { SocketWriter } from './socket-writer.js';

/*
 * The socket's listeners are shared by every connection (found through this map), so an
 * idle connection holds no closures of its own.
 */
const bySocket = new WeakMap<WebSocket, Connection>();

function onSocketMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  bySocket.get(this)?.onFrame(isBinary ? null : data.toString());
}
function onSocketClose(this: WebSocket): void {
  void bySocket.get(this)?.onClose();
}
function onSocketError(this: WebSocket, err: Error): void {
  bySocket.get(this)?.log.debug({ err }, 'socket error');
}

/**
 * The frame of a view, with the recipient's seq: a `message` frame built without
 * re-serialising the view, or an `expansion` frame for a change of a message's key/values.
 */
function messageFrame(message: OutgoingMessage, seq: number | undefined): string {
  const expansion = expansionChangeOf(message, seq);
  return expansion ? JSON.stringify({ op: 'expansion', expansion }) : `{"op":"message","message":${message.withSeq(seq)}}`;
}

/**
 * One device's WebSocket speaking Parley's protocol (docs/protocol.md): parses frames,
 * hands the `connect` to the core's device sessions, answers each request exactly once
 * with a `result`, and writes what the core pushes. Decides nothing itself.
 */
export class Connection implements DeviceLink, DeviceSocket {
  private session: DeviceSession | undefined;
  private connecting = false;
  private closed = false;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private readonly writer: SocketWriter;
  private readonly heartbeat: Heartbeat;
  /** Who this socket is, once a session opened: the bindings of its log lines. */
  private logBindings: { appKey: string; userId: string; deviceId: string } | undefined;
  private sessionLog: Logger | undefined;
  private readonly budget: FrameBudget | undefined;
  private readonly frames: FrameCounter;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: GatewayContext,
    private readonly address: string | undefined,
  ) {
    this.frames = context.frameCounter('parley');
    this.writer = new SocketWriter(socket, context.sendBufferLimits, () => this.log.warn('device stopped reading: closing its socket'), this.frames);
    this.handshakeTimer = setTimeout(() => this.socket.close(closeCodes.handshakeTimeout, 'connect expected'), context.handshakeTimeoutMs);
    this.heartbeat = new Heartbeat(socket);
    this.budget = context.frameRate.perSecond > 0 ? new FrameBudget(context.frameRate, Date.now()) : undefined;
    bySocket.set(socket, this);
    socket.on('message', onSocketMessage);
    socket.on('close', onSocketClose);
    socket.on('error', onSocketError);
  }

  /**
   * The gateway's logger, with the session's bindings once one opened; that child logger is
   * made when first needed, as most sessions log nothing between opening and closing.
   */
  get log(): Logger {
    if (!this.logBindings) return this.context.logger;
    return (this.sessionLog ??= this.context.logger.child(this.logBindings));
  }

  get appKey(): string | undefined {
    return this.session?.app.appKey;
  }

  // --- DeviceLink: what the core sends this device ------------------------------------

  message(message: OutgoingMessage, seq: number | undefined): void {
    this.writer.write(messageFrame(message, seq));
  }

  async caughtUp(message: OutgoingMessage, seq: number): Promise<void> {
    await this.writer.writePaced(messageFrame(message, seq));
  }

  synced(seq: number, gap: Gap | undefined): void {
    this.send({ op: 'synced', seq, ...(gap && { gap }) });
  }

  kicked(reason: KickReason): void {
    this.log.info({ reason }, 'session kicked');
    this.send({ op: 'kicked', reason });
    this.socket.close(closeCodes.kicked, reason);
  }

  reconnect(reason: 'too-slow' | 'store-reset'): void {
    if (reason === 'too-slow') this.writer.cutOff();
    else this.socket.close(closeCodes.storeReset, 'the message store restarted: reconnect');
  }

  // --- the socket -------------------------------------------------------------------

  /** Heartbeat: a socket that did not answer the previous ping is dropped. */
  probe(): void {
    if (!this.heartbeat.probe()) this.log.info('no pong: dropping dead socket');
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }

  onFrame(raw: string | null): void {
    this.heartbeat.seen();
    this.frames.received();
    if (this.budget && !this.budget.take(Date.now())) return this.flooded();
    try {
      const parsed = parseClientFrame(raw);
      if (!parsed.ok) {
        this.fail(parsed.id, new ParleyError('badParameter', parsed.detail));
        return;
      }
      void this.dispatch(parsed.frame);
    } catch (err) {
      // A fault of ours on one frame closes this socket, never the process.
      this.log.error({ err }, 'frame handling failed');
      this.socket.close(closeCodes.internalError, 'internal error');
    }
  }

  async onClose(): Promise<void> {
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    this.writer.closed();
    this.context.closed(this);
    const session = this.session;
    if (!session) return;
    await this.context.devices.disconnect(session, this.address);
    this.log.info({ sessionId: session.info.sessionId }, 'session closed');
  }

  /** A device sending faster than any client does is closed, not served (docs/reliability.md "Limits"). */
  private flooded(): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.log.warn('too many frames: closing the socket');
    this.socket.close(closeCodes.rateLimited, 'too many frames');
  }

  private send(frame: ServerFrame): void {
    this.writer.write(JSON.stringify(frame));
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    try {
      if (frame.op === 'connect') {
        await this.connect(frame);
        return;
      }
      const session = this.session;
      if (!session) throw new ParleyError('notConnected');
      this.reply(frame.id, await this.execute(session, frame));
      // After the result, so the device reads it before the close.
      if (frame.op === 'logout') this.socket.close(closeCodes.normal, 'logged out');
    } catch (err) {
      this.fail(frame.id, err);
    }
  }

  private async execute(session: DeviceSession, frame: Exclude<ClientFrame, ConnectFrame>): Promise<unknown> {
    switch (frame.op) {
      case 'ping':
        return {};
      case 'send':
        return session.send(frame);
      case 'ack':
        await session.ack(frame.seq);
        return {};
      case 'sync': {
        const page = await session.sync(frame.afterSeq, frame.limit);
        const messages = [];
        const expansions = [];
        for (const { message, seq } of page.messages) {
          const expansion = expansionChangeOf(message, seq);
          if (expansion) expansions.push(expansion);
          else messages.push({ ...message.view, seq });
        }
        return { messages, expansions, hasMore: page.hasMore };
      }
      case 'chatroom.join':
        await session.joinRoom(frame.chatroomId);
        return {};
      case 'chatroom.leave':
        await session.leaveRoom(frame.chatroomId);
        return {};
      case 'history':
        return session.history({ ...frame, busChannel: frame.busChannel ?? '' });
      case 'recall':
        await session.recall(frame.messageUId);
        return {};
      case 'read':
        await session.read(frame, frame.lastReadTime);
        return {};
      case 'conversations':
        return { conversations: await session.conversations(frame.limit) };
      case 'conversation.notifications':
        return { notifications: await session.notifications() };
      case 'push.register':
        await session.registerPush(frame.provider, frame.token);
        return {};
      case 'push.unregister':
        await session.unregisterPush();
        return {};
      case 'logout':
        await session.logOut();
        return {};
    }
  }

  private async connect(frame: ConnectFrame): Promise<void> {
    if (this.session || this.connecting) throw new ParleyError('badParameter', 'already connected');
    this.connecting = true;
    let session: DeviceSession | undefined;
    try {
      session = await this.context.devices.connect(this, { ...frame, address: this.address }, (opened, head) => {
        session = this.session = opened;
        clearTimeout(this.handshakeTimer);
        this.handshakeTimer = undefined;
        this.logBindings = { appKey: opened.app.appKey, userId: opened.info.userId, deviceId: frame.deviceId };
        this.context.logger.info({ ...this.logBindings, sessionId: opened.info.sessionId, platform: frame.platform }, 'session opened');
        this.reply(frame.id, { userId: opened.info.userId, sessionId: opened.info.sessionId, seq: head.seq, epoch: head.epoch });
      });
    } catch (err) {
      this.session = undefined;
      if (!session) this.fail(frame.id, err);
      const refused = asParleyError(err);
      if (refused?.kind === 'tokenIncorrect' || refused?.kind === 'userBanned') {
        this.socket.close(closeCodes.badToken, 'token incorrect');
        return;
      }
      // A half-opened session must not linger: the device reconnects and catches up again.
      this.log.error({ err }, 'connect failed');
      this.socket.close(closeCodes.internalError, 'try again');
      return;
    }
    // The socket may have closed while the session opened: take it back out.
    if (this.closed) await this.context.devices.disconnect(session, this.address);
  }

  private reply(id: RequestId, data: unknown): void {
    this.send({ op: 'result', id, ok: true, data });
  }

  private fail(id: RequestId | null, err: unknown): void {
    const known = asParleyError(err);
    if (known) {
      if (known.kind === 'storageTimeout') this.log.warn({ err }, 'a store did not answer');
      else this.log.info({ code: known.code, error: known.message }, 'request refused');
      this.send({ op: 'result', id, ok: false, code: known.code, error: known.message });
      return;
    }
    this.log.error({ err }, 'request failed');
    this.send({ op: 'result', id, ok: false, code: errorCatalog.internal.code, error: errorCatalog.internal.message });
  }
}
