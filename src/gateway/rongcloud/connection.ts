import { randomUUID } from 'node:crypto';
import { FrameBudget } from '../frame-budget.js';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Gap } from '../../core/catch-up.js';
import { kvNoticeObjectName } from '../../core/chatrooms.js';
import type { DeviceLink, DeviceSession } from '../../core/device-session.js';
import type { OutgoingMessage } from '../../core/outgoing.js';
import { asParleyError, errorCatalog } from '../../errors.js';
import type { KickReason } from '../../model/kick.js';
import { conversationTypes } from '../../model/message.js';
import { closeCodes } from '../close-codes.js';
import type { DeviceSocket, FrameCounter, GatewayContext } from '../gateway.js';
import { Heartbeat } from '../heartbeat.js';
import { SocketWriter } from '../socket-writer.js';
import { changeExpansion, expansionNotice } from './expansion.js';
import { decodeClientFrame, encodeServerFrame, type ClientFrame, type ProtocolVersion, type RequestFrame, type ServerFrame } from './frames.js';
import { LiveEntries } from './live-entries.js';
import { fromUpStream, toDownStream } from './messages.js';
import { queryHandlers, UndecodablePayload, type QueryContext } from './queries.js';
import { decodeMessage, encodeMessage } from './schema.js';
import type { RongCloudServices } from './services.js';
import { isRongCloudTopic, notSupportedStatus, sendTopics, serverTopics } from './topics.js';
import { UltraGroupFeed } from './ultra-group-feed.js';

export interface RongCloudOptions {
  maxFrameBytes: number;
  /** Ultra-group messages a session keeps until the SDK pulls them. */
  ultraGroupFeedSize: number;
  /** Inbox entries one `pullMsg` answers at most (the SDK pulls again until `finished`). */
  pullPageSize: number;
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
 * The SDK says what it holds with each pull; the inbox hears it at most this often (one
 * write per burst, not per message, as Parley's own client acks). An entry acked late is
 * only owed a little longer; the close writes what is pending.
 */
const ackDelayMs = 100;

/**
 * One device speaking RongCloud's client protocol, from the token in its URL to close: a
 * `DeviceLink` of the core's device sessions that pulls its inbox itself. Answers each
 * PUBLISH with a PUBACK and each QUERY with a QUERYACK, tells the SDK to pull when its
 * inbox grows, and closes the socket, with a logged reason, on a frame that breaks the
 * protocol. Nothing thrown escapes a socket listener; every decision is the core's.
 */
export class RongCloudConnection implements DeviceLink, DeviceSocket {
  private session: DeviceSession | undefined;
  private readonly version: ProtocolVersion;
  private readonly address: string | undefined;
  private readonly ready: Promise<boolean>;
  private closed = false;
  /** The CONNACK went out: pushes may follow. */
  private live = false;
  /** A pull notice went out and the SDK has not pulled since. */
  private notified = false;
  private publishIds = 0;
  /** The highest syncTime the SDK pulled from, and the timer that will ack it. */
  private heldUpTo = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private ultraGroups: UltraGroupFeed | undefined;
  private readonly liveEntries: LiveEntries;
  private readonly heartbeat: Heartbeat;
  private readonly writer: SocketWriter;
  private readonly budget: FrameBudget | undefined;
  private readonly frames: FrameCounter;
  private log: Logger;

  constructor(
    private readonly socket: WebSocket,
    request: IncomingMessage,
    private readonly context: GatewayContext,
    private readonly services: RongCloudServices,
    private readonly options: RongCloudOptions,
  ) {
    this.log = context.logger.child({ protocol: 'rongcloud' });
    this.address = context.addressOf(request);
    this.budget = context.frameRate.perSecond > 0 ? new FrameBudget(context.frameRate, Date.now()) : undefined;
    const url = new URL(request.url ?? '/', 'http://localhost');
    this.version = url.searchParams.get('protocolVer') === '4' ? 4 : 3;
    this.frames = context.frameCounter('rongcloud');
    this.writer = new SocketWriter(socket, context.sendBufferLimits, () => this.log.warn('device stopped reading: closing its socket'), this.frames);
    this.heartbeat = new Heartbeat(socket);
    this.liveEntries = new LiveEntries(options.pullPageSize);
    socket.on('message', (data: Buffer, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => void this.onClose());
    socket.on('error', (err) => this.log.info({ err: err.message }, 'closing: socket error'));
    this.ready = this.handshake(url.searchParams).catch((err: unknown) => {
      this.log.error({ err }, 'handshake failed');
      return false;
    });
  }

  // --- DeviceLink: what the core sends this device ------------------------------------

  message(message: OutgoingMessage, seq: number | undefined): void {
    // Nothing goes out before the CONNACK; the SDK pulls its inbox right after it.
    if (!this.session || !this.live) return;
    if (seq !== undefined) {
      // An inbox entry: the SDK takes it from its pull, once.
      this.liveEntries.add(message, seq);
      if (!this.notified) this.notify(serverTopics.notify, { type: pullNotice, time: alwaysNewer });
      this.notified = true;
      return;
    }
    const view = message.view;
    // The SDK takes ultra-group messages only from its own pull.
    if (view.conversationType === conversationTypes.ultraGroup) {
      this.ultraGroups?.add(message);
      this.notify(serverTopics.command, { type: ultraGroupNotice, time: alwaysNewer });
      return;
    }
    if (view.conversationType === conversationTypes.chatroom && view.objectName === kvNoticeObjectName) {
      this.notify(serverTopics.command, { type: roomEntriesNotice, time: alwaysNewer, chrmId: view.targetId });
    }
    this.publish(serverTopics.message, encodeMessage('DownStreamMessage', toDownStream(view, this.session.info.userId)));
  }

  /** Not called for a device that pulls (`pulls` at connect); an owed entry would bring a pull. */
  async caughtUp(message: OutgoingMessage, seq: number): Promise<void> {
    this.message(message, seq);
  }

  /** The SDK pulls right after the CONNACK; each pull answers its own syncTime and gap. */
  synced(_seq: number, _gap: Gap | undefined): void {}

  kicked(reason: KickReason): void {
    this.log.info({ reason }, 'session kicked');
    this.send({ kind: 'disconnect', status: kickStatus[reason] });
    this.socket.close(closeCodes.kicked, reason);
  }

  reconnect(reason: 'too-slow' | 'store-reset'): void {
    if (reason === 'too-slow') {
      // Without a DISCONNECT the SDK reconnects by itself, and pulls what it missed.
      this.writer.cutOff();
      return;
    }
    this.send({ kind: 'disconnect', status: disconnect.redirect });
    this.socket.close(closeCodes.storeReset, 'the message store restarted: reconnect');
  }

  // --- DeviceSocket: the gateway's heartbeat and shutdown -----------------------------

  probe(): void {
    if (!this.heartbeat.probe()) this.log.info('no pong: dropping dead socket');
  }

  close(code: number, reason: string): void {
    // The SDK reconnects at once after "redirected"; after other statuses it stays away.
    this.send({ kind: 'disconnect', status: code === closeCodes.goingAway ? disconnect.redirect : disconnect.broken });
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }

  // --- the socket -------------------------------------------------------------------

  /** Connects with the token of the URL; resolves whether the session is open. */
  private async handshake(params: URLSearchParams): Promise<boolean> {
    const appKey = params.get('appId') ?? '';
    // The SDK keeps a random id per browser in localStorage; Parley's protocol allows 128 characters.
    const deviceId = (params.get('deviceId') || randomUUID()).slice(0, 128);
    const request = { token: params.get('token') ?? '', appKey, deviceId, platform: 'web' as const, lastSeq: 0, pulls: true, address: this.address };
    let session: DeviceSession;
    try {
      session = await this.context.devices.connect(this, request, (opened) => {
        this.session = opened;
        this.log = this.log.child({ appKey: opened.app.appKey, userId: opened.info.userId, deviceId });
        this.ultraGroups = new UltraGroupFeed(this.options.ultraGroupFeedSize, opened.info.connectedAt);
        this.send({ kind: 'connack', status: connack.ok, userId: opened.info.userId, sessionId: opened.info.sessionId, time: this.services.clock.now() });
        this.live = true;
        this.log.info({ sessionId: opened.info.sessionId, sdkVer: params.get('sdkVer') }, 'session opened');
      });
    } catch (err) {
      this.refuseConnect(appKey, err);
      return false;
    }
    // The socket may have closed while the session opened: take it back out.
    if (this.closed) {
      await this.context.devices.disconnect(session, this.address);
      return false;
    }
    return true;
  }

  /** A refused token or a banned user gets its CONNACK status; a failure of ours "server unavailable" (31003). */
  private refuseConnect(appKey: string, err: unknown): void {
    const refused = asParleyError(err);
    const status = refused?.kind === 'userBanned' ? connack.userBlocked : refused?.kind === 'tokenIncorrect' ? connack.tokenIncorrect : connack.serverUnavailable;
    const wasLive = this.live;
    this.session = undefined;
    this.live = false;
    if (status !== connack.serverUnavailable) {
      this.log.info({ appKey, status }, 'connect refused');
      this.send({ kind: 'connack', status, userId: '', sessionId: '', time: 0 });
      this.socket.close(closeCodes.badToken, 'token incorrect');
      return;
    }
    // A half-opened session must not linger: the device reconnects and pulls again.
    this.log.error({ err }, 'connect failed');
    if (wasLive) this.send({ kind: 'disconnect', status: disconnect.redirect });
    else this.send({ kind: 'connack', status, userId: '', sessionId: '', time: 0 });
    this.socket.close(closeCodes.internalError, 'try again');
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.heartbeat.seen();
    this.frames.received();
    if (this.budget && !this.budget.take(Date.now())) {
      // A device sending faster than any client does is closed, not served (docs/reliability.md "Limits").
      if (this.socket.readyState === this.socket.OPEN) this.log.warn('too many frames: closing the socket');
      this.socket.close(closeCodes.rateLimited, 'too many frames');
      return;
    }
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
    const session = this.session!;
    const now = () => this.services.clock.now();
    const topic = sendTopics[frame.topic];
    if (!topic && frame.topic !== 'recallMsg') {
      this.send({ kind: 'puback', messageId: frame.messageId, time: now(), status: notSupportedStatus, messageUId: '' });
      return;
    }
    const up = decodeMessage('UpStreamMessage', frame.payload);
    if (!up.ok) throw new UndecodablePayload(up.reason);
    if (!topic) {
      const recall = parseRecall(up.value.content);
      await session.recall(recall.messageUId, recall);
      this.send({ kind: 'puback', messageId: frame.messageId, time: now(), status: 0, messageUId: recall.messageUId });
      return;
    }
    const send = fromUpStream(topic, frame.targetId, up.value);
    if (typeof send === 'string') throw new UndecodablePayload(send);
    const sent = send.objectName === expansionNotice ? await changeExpansion(this.services.expansion, session, send, now()) : await session.send(send);
    this.send({ kind: 'puback', messageId: frame.messageId, time: sent.sentTime, status: 0, messageUId: sent.messageUId });
  }

  private async onQuery(frame: RequestFrame): Promise<void> {
    const handler = queryHandlers[frame.topic];
    const payload = handler ? await handler(this.queryContext(), frame) : undefined;
    this.send({ kind: 'queryAck', qos: 0, messageId: frame.messageId, time: this.services.clock.now(), status: payload ? 0 : notSupportedStatus, payload: payload ?? new Uint8Array(0) });
  }

  private queryContext(): QueryContext {
    return {
      session: this.session!,
      services: this.services,
      log: this.log,
      ultraGroups: this.ultraGroups!,
      pullPageSize: this.options.pullPageSize,
      pulling: () => (this.notified = false),
      liveEntries: this.liveEntries,
      holds: (seq) => this.holds(seq),
    };
  }

  private holds(seq: number): void {
    if (seq <= this.heldUpTo) return;
    this.heldUpTo = seq;
    this.ackTimer ??= setTimeout(() => void this.ackHeld(), ackDelayMs);
  }

  private async ackHeld(): Promise<void> {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (!this.session || this.heldUpTo === 0) return;
    await this.session.ack(this.heldUpTo).catch((err: unknown) => this.log.warn({ err }, 'could not ack the inbox: its entries stay owed'));
  }

  /** A refused request: its code in the answer's status; the socket stays open. */
  private refuse(frame: RequestFrame, err: unknown): void {
    let status: number = errorCatalog.internal.code;
    const known = asParleyError(err);
    if (known) {
      this.log.info({ topic: frame.topic, code: known.code, error: known.message }, 'request refused');
      status = known.code <= maxStatus ? known.code : errorCatalog.internal.code;
    } else {
      this.log.error({ err, topic: frame.topic }, 'request failed');
    }
    const time = this.services.clock.now();
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

  private notify(topic: string, notice: { type: number; time: number; chrmId?: string }): void {
    this.publish(topic, encodeMessage('NotifyMsg', notice));
  }

  private publish(topic: string, payload: Uint8Array): void {
    this.publishIds = (this.publishIds % 0xffff) + 1;
    const targetId = this.session?.info.userId ?? '';
    this.send({ kind: 'publish', qos: 0, dup: false, time: this.services.clock.now(), topic, targetId, messageId: this.publishIds, payload });
  }

  private send(frame: ServerFrame): void {
    this.writer.write(encodeServerFrame(frame, this.version));
  }

  private async onClose(): Promise<void> {
    this.closed = true;
    this.writer.closed();
    this.context.closed(this);
    const session = this.session;
    if (!session) return;
    if (this.ackTimer) await this.ackHeld();
    await this.context.devices.disconnect(session, this.address);
    this.log.info({ sessionId: session.info.sessionId }, 'session closed');
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
