import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { App } from '../../core/apps.js';
import type { KickReason } from '../../core/kick.js';
import { kvNoticeObjectName } from '../../core/chatrooms.js';
import { conversationTypes, type DeliveredMessage } from '../../core/message.js';
import { errorCatalog, isParleyError } from '../../errors.js';
import { closeCodes } from '../close-codes.js';
import { Heartbeat } from '../heartbeat.js';
import type { DeviceSocket, GatewayContext } from '../gateway.js';
import type { CorePort, Session } from './core-port.js';
import { decodeClientFrame, encodeServerFrame, type ClientFrame, type ProtocolVersion, type RequestFrame, type ServerFrame } from './frames.js';
import { fromUpStream, toDownStream } from './messages.js';
import { queryHandlers, UndecodablePayload, type QueryContext } from './queries.js';
import { decodeMessage, encodeMessage } from './schema.js';
import { isRongCloudTopic, notSupportedStatus, sendTopics, serverTopics } from './topics.js';
import { UltraGroupFeed } from './ultra-group-feed.js';

export interface RongCloudOptions {
  maxFrameBytes: number;
  /** Ultra-group messages a session keeps until the SDK pulls them. */
  ultraGroupFeedSize: number;
}

/** CONNACK status bytes (docs/rongcloud-client-protocol.md §4). */
const connack = { ok: 0, serverUnavailable: 3, tokenIncorrect: 4, userBlocked: 9 } as const;
/** DISCONNECT status bytes: 1 kicked (31010), 2 protocol broken (31011), 6 go elsewhere (31006), 7 token expired (31020). */
const disconnect = { kicked: 1, broken: 2, redirect: 6, tokenExpired: 7 } as const;
const kickStatus: Record<KickReason, number> = {
  'same-platform-login': disconnect.kicked,
  'web-limit': disconnect.kicked,
  'user-blocked': disconnect.kicked,
  'token-revoked': disconnect.tokenExpired,
};
/** Above any version the SDK holds, so a notice during a pull always brings one more pull. */
const alwaysNewer = Number.MAX_SAFE_INTEGER;
const pullNotice = 1;
/** `s_cmd` types: a room's key/values changed; ultra-group messages came. Pull them. */
const roomEntriesNotice = 2;
const ultraGroupNotice = 6;
const maxStatus = 0xffff;

/**
 * One device speaking RongCloud's client protocol, from the token in its URL to close:
 * answers each PUBLISH with a PUBACK and each QUERY with a QUERYACK, tells the SDK to
 * pull when its inbox grows, and closes the socket, with a logged reason, on a frame
 * that breaks the protocol. Nothing thrown escapes a socket listener.
 */
export class RongCloudConnection implements DeviceSocket {
  private app: App | undefined;
  private session: Session | undefined;
  private readonly version: ProtocolVersion;
  private readonly ready: Promise<boolean>;
  private closed = false;
  /** The CONNACK went out: pushes may follow. */
  private live = false;
  /** A pull notice went out and the SDK has not pulled since. */
  private notified = false;
  private publishIds = 0;
  private readonly rooms = new Set<string>();
  private ultraGroups: UltraGroupFeed | undefined;
  private readonly heartbeat: Heartbeat;
  private log: Logger;

  constructor(
    private readonly socket: WebSocket,
    request: IncomingMessage,
    private readonly context: GatewayContext,
    private readonly port: CorePort,
    private readonly options: RongCloudOptions,
  ) {
    this.log = context.logger.child({ protocol: 'rongcloud' });
    const url = new URL(request.url ?? '/', 'http://localhost');
    this.version = url.searchParams.get('protocolVer') === '4' ? 4 : 3;
    socket.on('message', (data: Buffer, isBinary) => this.onMessage(data, isBinary));
    this.heartbeat = new Heartbeat(socket);
    socket.on('close', () => void this.onClose());
    socket.on('error', (err) => this.log.info({ err: err.message }, 'closing: socket error'));
    this.ready = this.handshake(url.searchParams).catch((err: unknown) => {
      // The SDK reports "server unavailable" (31003).
      this.log.error({ err }, 'handshake failed after authentication');
      this.send({ kind: 'connack', status: connack.serverUnavailable, userId: '', sessionId: '', time: 0 });
      this.socket.close(closeCodes.internalError, 'try again');
      return false;
    });
  }

  get sessionId(): string | undefined {
    return this.session?.sessionId;
  }

  get appKey(): string | undefined {
    return this.app?.appKey;
  }

  push(message: DeliveredMessage): void {
    // Nothing goes out before the CONNACK; the SDK pulls its inbox right after it.
    if (!this.session || !this.live) return;
    if (message.conversationType === conversationTypes.chatroom) {
      // A room's message read before this session left it must not reach it after.
      if (!this.rooms.has(message.targetId)) return;
      if (message.objectName === kvNoticeObjectName) this.notify(serverTopics.command, { type: roomEntriesNotice, time: alwaysNewer, chrmId: message.targetId });
    } else if (message.seq !== undefined) {
      if (!this.notified) this.notify(serverTopics.notify, { type: pullNotice, time: alwaysNewer });
      this.notified = true;
      return;
    }
    // The SDK takes ultra-group messages only from its own pull.
    if (message.conversationType === conversationTypes.ultraGroup) {
      this.ultraGroups?.add(message);
      this.notify(serverTopics.command, { type: ultraGroupNotice, time: alwaysNewer });
      return;
    }
    this.publish(serverTopics.message, encodeMessage('DownStreamMessage', toDownStream(message, this.session.userId)));
  }

  kick(reason: KickReason): void {
    this.log.info({ reason }, 'session kicked');
    this.send({ kind: 'disconnect', status: kickStatus[reason] });
    this.socket.close(closeCodes.kicked, reason);
  }

  leftRoom(roomId: string): void {
    this.rooms.delete(roomId);
  }

  probe(): void {
    this.heartbeat.probe(this.log);
  }

  close(code: number, reason: string): void {
    // The SDK reconnects at once after "redirected"; after other statuses it stays away.
    this.send({ kind: 'disconnect', status: code === closeCodes.goingAway ? disconnect.redirect : disconnect.broken });
    this.socket.close(code, reason);
  }

  private async handshake(params: URLSearchParams): Promise<boolean> {
    const appKey = params.get('appId') ?? '';
    let authenticated;
    try {
      authenticated = await this.port.authenticate(params.get('token') ?? '', appKey);
    } catch (err) {
      const status = isParleyError(err) ? (err.code === errorCatalog.userBanned.code ? connack.userBlocked : connack.tokenIncorrect) : connack.serverUnavailable;
      this.log.info({ appKey, status }, 'connect refused');
      this.send({ kind: 'connack', status, userId: '', sessionId: '', time: 0 });
      this.socket.close(closeCodes.badToken, 'token incorrect');
      return false;
    }
    if (this.closed) return false;
    const { app, user, tokenIssuedAt } = authenticated;
    // The SDK keeps a random id per browser in localStorage; Parley's protocol allows 128 characters.
    const deviceId = (params.get('deviceId') || randomUUID()).slice(0, 128);
    const session: Session = { sessionId: randomUUID(), userId: user.userId, deviceId, platform: 'web', nodeId: this.context.nodeId, connectedAt: this.port.now(), tokenIssuedAt };
    this.log = this.log.child({ appKey: app.appKey, userId: user.userId, deviceId });
    this.app = app;
    this.session = session;
    this.ultraGroups = new UltraGroupFeed(this.options.ultraGroupFeedSize, session.connectedAt);
    this.context.register(this);
    await this.port.openSession(app, session);
    // The socket may have closed while presence was written: take the entry back out.
    if (this.closed) {
      await this.port.closeSession(app, session);
      return false;
    }
    this.send({ kind: 'connack', status: connack.ok, userId: user.userId, sessionId: session.sessionId, time: this.port.now() });
    this.live = true;
    this.log.info({ sessionId: session.sessionId, sdkVer: params.get('sdkVer') }, 'session opened');
    return true;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.heartbeat.seen();
    const decoded = isBinary ? decodeClientFrame(data, this.options.maxFrameBytes) : ({ ok: false, reason: 'a text frame' } as const);
    if (!decoded.ok) {
      this.breakOff(decoded.reason);
      return;
    }
    void this.ready
      .then((connected) => (connected && !this.closed ? this.handle(decoded.frame) : undefined))
      .catch((err: unknown) => this.log.error({ err }, 'frame handling failed'));
  }

  private async handle(frame: ClientFrame): Promise<void> {
    switch (frame.kind) {
      case 'ping':
        this.send({ kind: 'pong' });
        return;
      case 'disconnect':
        this.socket.close(closeCodes.normal, 'logged out');
        return;
      case 'puback':
      case 'queryCon':
        return;
      case 'publish':
      case 'query':
        if (!isRongCloudTopic(frame.topic)) {
          this.breakOff(`unknown topic ${JSON.stringify(frame.topic)}`);
          return;
        }
        try {
          if (frame.kind === 'publish') await this.onPublish(frame);
          else await this.onQuery(frame);
        } catch (err) {
          if (err instanceof UndecodablePayload) this.breakOff(err.message);
          else this.refuse(frame, err);
        }
    }
  }

  private async onPublish(frame: RequestFrame): Promise<void> {
    const { app, session } = this.connected();
    const topic = sendTopics[frame.topic];
    if (!topic && frame.topic !== 'recallMsg') {
      this.send({ kind: 'puback', messageId: frame.messageId, time: this.port.now(), status: notSupportedStatus, messageUId: '' });
      return;
    }
    const up = decodeMessage('UpStreamMessage', frame.payload);
    if (!up.ok) throw new UndecodablePayload(up.reason);
    if (!topic) {
      const recall = parseRecall(up.value.content);
      await this.port.recall(app, session, recall.messageUId, recall);
      this.send({ kind: 'puback', messageId: frame.messageId, time: this.port.now(), status: 0, messageUId: recall.messageUId });
      return;
    }
    const send = fromUpStream(topic, frame.targetId, up.value);
    if (typeof send === 'string') throw new UndecodablePayload(send);
    const sent = await this.port.send(app, session, send);
    this.send({ kind: 'puback', messageId: frame.messageId, time: sent.sentTime, status: 0, messageUId: sent.messageUId });
  }

  private async onQuery(frame: RequestFrame): Promise<void> {
    const handler = queryHandlers[frame.topic];
    const payload = handler ? await handler(this.queryContext(), frame) : undefined;
    this.send({ kind: 'queryAck', qos: 0, messageId: frame.messageId, time: this.port.now(), status: payload ? 0 : notSupportedStatus, payload: payload ?? new Uint8Array(0) });
  }

  private queryContext(): QueryContext {
    const { app, session } = this.connected();
    return {
      app,
      session,
      port: this.port,
      log: this.log,
      rooms: this.rooms,
      ultraGroups: this.ultraGroups!,
      pulling: () => (this.notified = false),
    };
  }

  /** A refused request: its code in the answer's status; the socket stays open. */
  private refuse(frame: RequestFrame, err: unknown): void {
    let status: number = errorCatalog.internal.code;
    if (isParleyError(err)) {
      this.log.info({ topic: frame.topic, code: err.code, error: err.message }, 'request refused');
      status = err.code <= maxStatus ? err.code : errorCatalog.internal.code;
    } else {
      this.log.error({ err, topic: frame.topic }, 'request failed');
    }
    const time = this.port.now();
    if (frame.kind === 'publish') this.send({ kind: 'puback', messageId: frame.messageId, time, status, messageUId: '' });
    else this.send({ kind: 'queryAck', qos: 0, messageId: frame.messageId, time, status, payload: new Uint8Array(0) });
  }

  /** A frame that breaks the protocol: logged, then the connection (only this one) closes. */
  private breakOff(reason: string): void {
    if (this.closed) return;
    this.log.info({ reason }, 'closing: frame breaks the RongCloud protocol');
    this.send({ kind: 'disconnect', status: disconnect.broken });
    this.socket.close(closeCodes.protocolError, 'protocol error');
    this.closed = true;
  }

  private connected(): { app: App; session: Session } {
    return { app: this.app!, session: this.session! };
  }

  private notify(topic: string, notice: { type: number; time: number; chrmId?: string }): void {
    this.publish(topic, encodeMessage('NotifyMsg', notice));
  }

  private publish(topic: string, payload: Uint8Array): void {
    this.publishIds = (this.publishIds % 0xffff) + 1;
    this.send({ kind: 'publish', qos: 0, dup: false, time: this.port.now(), topic, targetId: this.session?.userId ?? '', messageId: this.publishIds, payload });
  }

  private send(frame: ServerFrame): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(encodeServerFrame(frame, this.version));
  }

  private async onClose(): Promise<void> {
    this.closed = true;
    const { session, app } = this;
    if (!session || !app) return;
    this.context.unregister(this);
    const rooms = [...this.rooms.keys()];
    this.rooms.clear();
    await Promise.all(rooms.map((roomId) => this.port.leaveRoom(app, session, roomId).catch((err: unknown) => this.log.error({ err, roomId }, 'could not leave chatroom'))));
    try {
      await this.port.closeSession(app, session);
    } catch (err) {
      this.log.error({ err }, 'could not remove presence of a closed session');
    }
    this.log.info({ sessionId: session.sessionId }, 'session closed');
  }
}

/** `RC:RcCmd` content of a recall request: the message and how to recall it. */
function parseRecall(content: string): { messageUId: string; isDelete: boolean; extra: string } {
  let parsed: { messageUId?: unknown; isDelete?: unknown; extra?: unknown };
  try {
    parsed = JSON.parse(content) as typeof parsed;
  } catch {
    throw new UndecodablePayload('recall content is not JSON');
  }
  if (typeof parsed.messageUId !== 'string' || parsed.messageUId === '') throw new UndecodablePayload('recall content names no messageUId');
  return { messageUId: parsed.messageUId, isDelete: parsed.isDelete === true, extra: typeof parsed.extra === 'string' ? parsed.extra : '' };
}
