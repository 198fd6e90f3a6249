import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { App } from '../core/apps.js';
import { catchUp, type Gap } from '../core/catch-up.js';
import { inboxLimits, type SendOrigin } from '../core/delivery.js';
import { conversationTypes, type DeliveredMessage, type MessageView } from '../core/message.js';
import type { KickReason } from '../core/kick.js';
import { readSyncTime } from '../core/conversation-list.js';
import { readSyncType } from '../core/message-types.js';
import { keepsHistory } from '../core/history-policy.js';
import { recallCommand } from '../core/recall.js';
import { errorCatalog, isParleyError, ParleyError } from '../errors.js';
import type { SessionInfo } from '../store/presence.js';
import { closeCodes } from './close-codes.js';
import { clientFrame, idOf, type ClientFrame, type ConnectFrame, type RequestId, type SendFrame, type ServerFrame } from './frames.js';
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
  /** Live pushes held back while the catch-up is being sent, merged after it. */
  private heldBack: DeliveredMessage[] | undefined;
  /** Inbox seqs up to here were settled by the catch-up; a late push for one is a duplicate. */
  private coveredUpTo = 0;
  /** Chatrooms this session joined (left on close). */
  private readonly rooms = new Set<string>();
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

  get appKey(): string | undefined {
    return this.app?.appKey;
  }

  /** The session was removed from a room by moderation (kick, block, destroy). */
  leftRoom(roomId: string): void {
    this.rooms.delete(roomId);
  }

  /** A live push for this session; held back while catch-up runs so seq order holds. */
  push(message: DeliveredMessage): void {
    // A room's message read before this session left it must not reach it after.
    if (message.conversationType === conversationTypes.chatroom && !this.rooms.has(message.targetId)) return;
    if (message.seq !== undefined) {
      if (this.heldBack) {
        this.heldBack.push(message);
        return;
      }
      if (message.seq <= this.coveredUpTo) return;
    }
    this.send({ op: 'message', message });
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
      const { session, app } = this;
      switch (frame.op) {
        case 'ping':
          this.reply(frame.id, {});
          return;
        case 'send':
          this.reply(frame.id, await this.sendMessage(app, session, frame));
          return;
        case 'ack':
          await this.context.inbox.ack(app.appKey, session.userId, session.deviceId, frame.seq);
          this.reply(frame.id, {});
          return;
        case 'chatroom.join':
          // Marked before joining, so a removal that arrives while joining is not undone here.
          this.rooms.add(frame.chatroomId);
          try {
            await this.context.chatrooms.join(app, frame.chatroomId, { sessionId: session.sessionId, userId: session.userId, nodeId: session.nodeId, joinedAt: this.context.clock.now() });
          } catch (err) {
            this.rooms.delete(frame.chatroomId);
            throw err;
          }
          // The socket may have closed while joining; onClose has then already left the others.
          if (this.closed) {
            await this.leaveRoom(app, session, frame.chatroomId);
            return;
          }
          this.reply(frame.id, {});
          return;
        case 'chatroom.leave':
          await this.leaveRoom(app, session, frame.chatroomId);
          this.reply(frame.id, {});
          return;
        case 'history':
          this.reply(frame.id, await this.context.history.page(app, session.userId, { ...frame, busChannel: frame.busChannel ?? '' }));
          return;
        case 'recall':
          await this.context.recalls.recall({ app, origin: this.origin(session), fromUserId: session.userId, messageUId: frame.messageUId, isAdmin: false, isDelete: false, extra: '' });
          this.reply(frame.id, {});
          return;
        case 'read':
          await this.context.conversationList.markRead(app, this.origin(session), session.userId, frame, frame.lastReadTime);
          this.reply(frame.id, {});
          return;
        case 'conversations':
          this.reply(frame.id, { conversations: await this.context.conversationList.list(app, session.userId, frame.limit) });
          return;
        case 'conversation.notifications':
          this.reply(frame.id, { notifications: await this.context.permissions.listMutes(app, session.userId) });
          return;
        case 'sync': {
          const page = await this.context.inbox.read(app.appKey, session.userId, frame.afterSeq, frame.limit, this.context.clock.now(), inboxLimits(app));
          const messages = page.entries.map((e) => ({ ...(JSON.parse(e.payload) as MessageView), seq: e.seq }));
          this.reply(frame.id, { messages, hasMore: page.entries.length === frame.limit && page.entries.at(-1)!.seq < page.seq });
          return;
        }
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
      await this.context.permissions.assertNotBanned(authenticated.app, authenticated.user.userId);
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
    // Registered before the inbox is read, so nothing appended in between is missed;
    // pushes arriving meanwhile are held back and merged by seq.
    this.heldBack = [];
    this.context.register(this);
    let replied = false;
    try {
      await this.context.sessions.open(app, session);
      // The socket may have closed while presence was written: take the entry back out.
      if (this.closed) {
        await this.context.sessions.close(app.appKey, session);
        return;
      }
      this.log.info({ sessionId: session.sessionId, platform: frame.platform }, 'session opened');
      const outcome = await catchUp(this.context.inbox, app, user.userId, frame, this.context.clock.now(), {
        onHead: (head) => {
          replied = true;
          this.reply(frame.id, { userId: user.userId, sessionId: session.sessionId, seq: head.seq, epoch: head.epoch });
        },
        emit: (messages) => messages.forEach((message) => this.send({ op: 'message', message })),
      });
      this.finishCatchUp(outcome.settledUpTo, outcome.gap);
    } catch (err) {
      // A half-opened session must not linger: the device reconnects and catches up again.
      this.log.error({ err }, 'handshake failed after authentication');
      if (!replied) this.fail(frame.id, err);
      this.socket.close(closeCodes.internalError, 'try again');
    }
  }

  /**
   * Sends what was pushed during the catch-up and goes live. Only seqs contiguous with
   * what the catch-up settled are settled; a held push above a hole is sent as a plain
   * live message, so the hole's own push (still in flight) is not taken for a duplicate.
   */
  private finishCatchUp(settledUpTo: number, gap: Gap | undefined): void {
    let upTo = settledUpTo;
    for (const message of (this.heldBack ?? []).sort((a, b) => a.seq! - b.seq!)) {
      if (message.seq! <= upTo) continue;
      this.send({ op: 'message', message });
      if (message.seq === upTo + 1) upTo = message.seq;
    }
    this.heldBack = undefined;
    this.coveredUpTo = upTo;
    this.send({ op: 'synced', seq: upTo, ...(gap && { gap }) });
  }

  /** Leaves a room; when it was the user's last session there, the room learns the user left. */
  private async leaveRoom(app: App, session: SessionInfo, roomId: string): Promise<void> {
    this.rooms.delete(roomId);
    await this.context.chatroomMembers.leave(app.appKey, roomId, session.sessionId);
    const stillThere = (await this.context.chatroomMembers.sessions(app.appKey, roomId)).some((m) => m.userId === session.userId);
    if (!stillThere) await this.context.chatrooms.userLeft(app, roomId, session.userId);
  }

  private origin(session: SessionInfo): SendOrigin {
    return { kind: 'client', sessionId: session.sessionId };
  }

  private async sendMessage(app: App, session: SessionInfo, frame: SendFrame) {
    if (frame.objectName === readSyncType) return this.sendReadSync(app, session, frame);
    // Where the server knows who sent what, a recall must go through the checks of the `recall` op.
    if (frame.objectName === recallCommand && keepsHistory(app, frame.conversationType)) {
      throw new ParleyError('badParameter', 'objectName: RC:RcCmd is sent by the server; use the recall op');
    }
    // What every kind of device send shares.
    const common = {
      app,
      origin: this.origin(session),
      fromUserId: session.userId,
      objectName: frame.objectName,
      content: { content: frame.content, pushContent: frame.pushContent, pushData: frame.pushData },
      echo: false,
      status: false,
      ...(frame.clientMsgId && { idempotency: { key: `client:${frame.clientMsgId}`, ttlMs: 86_400_000 } }),
    };
    if (frame.conversationType === conversationTypes.private) {
      const result = await this.context.delivery.send({ ...common, conversationType: conversationTypes.private, toUserIds: [frame.targetId] });
      return { messageUId: result.messageUIDs[0]!.messageUID, sentTime: result.sentTime, ...(result.seq !== undefined && { seq: result.seq }) };
    }
    const send = { ...common, targetIds: [frame.targetId], toUserIds: frame.toUserIds, busChannel: frame.busChannel };
    const conversations = this.context.conversations;
    const result = await (frame.conversationType === conversationTypes.group
      ? conversations.toGroups(send)
      : frame.conversationType === conversationTypes.chatroom
        ? conversations.toChatrooms(send)
        : conversations.toUltraGroups(send));
    return { messageUId: result.messageUIDs[0]!.messageUID, sentTime: result.sentTime };
  }

  /** An RC:SRSMsg a device sends itself is a `read`: the position is kept, then synced. */
  private sendReadSync(app: App, session: SessionInfo, frame: SendFrame): Promise<{ messageUId: string; sentTime: number }> {
    return this.context.conversationList.markRead(app, this.origin(session), session.userId, frame, readSyncTime(frame.content));
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
    await Promise.all([...this.rooms].map((roomId) => this.leaveRoom(app, session, roomId).catch((err: unknown) => this.log.error({ err, roomId }, 'could not leave chatroom'))));
    try {
      await this.context.sessions.close(app.appKey, session);
    } catch (err) {
      this.log.error({ err }, 'could not remove presence of a closed session');
    }
    this.log.info({ sessionId: session.sessionId }, 'session closed');
  }
}
