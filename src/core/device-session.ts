import { ParleyError } from '../errors.js';
import type { KickReason } from '../model/kick.js';
import type { PushProviderName } from '../model/push.js';
import type { SessionInfo } from '../model/session.js';
import { inboxLimits, type App } from './apps.js';
import { catchUp, type Gap } from './catch-up.js';
import type { ConversationListEntry } from './conversation-list.js';
import type { ConversationName } from './conversation-access.js';
import type { Origin } from './delivery/send.js';
import { targetOf } from './delivery/send.js';
import type { ConnectRequest, DeviceServices } from './devices.js';
import type { HistoryPage, HistoryRequest } from './history.js';
import { keepsHistory } from './history-policy.js';
import { inboxRecord, type OutgoingMessage } from './outgoing.js';
import { recallCommand } from './recall.js';
import type { InboxHead } from '../store/inbox.js';
import type { MuteRow } from '../store/permissions.js';

/** What a transport gives the core for one connected device (Parley's protocol, RongCloud's, …). */
export interface DeviceLink {
  /** A live message; `seq` for an inbox entry. */
  message(message: OutgoingMessage, seq: number | undefined): void;
  /** A catch-up message: resolves when the device can take more (a slow device slows its own catch-up). */
  caughtUp(message: OutgoingMessage, seq: number): Promise<void>;
  synced(seq: number, gap: Gap | undefined): void;
  /** Tells the device why, then closes. */
  kicked(reason: KickReason): void;
  /**
   * Closes asking the device to reconnect: it did not keep up (`too-slow`), or the inbox
   * store lost its data and the device must learn of the gap (`store-reset`).
   */
  reconnect(reason: 'too-slow' | 'store-reset'): void;
}

/** A device's send, as its transport parsed it. */
export interface DeviceSend {
  conversationType: number;
  targetId: string;
  busChannel?: string | undefined;
  toUserIds?: readonly string[] | undefined;
  objectName: string;
  content: string;
  pushContent?: string | undefined;
  pushData?: string | undefined;
  /** Retries with the same id answer the first result (a day). */
  clientMsgId?: string | undefined;
  /** Online devices only, never stored (typing state and other status messages). */
  status?: boolean | undefined;
  /** Can only turn storing and counting off (an app's own message types). */
  isPersisted?: boolean | undefined;
  isCounted?: boolean | undefined;
  /** Key/values may later be set on the message; `initial` ones come with it. */
  expansion?: { initial?: Readonly<Record<string, string>> | undefined } | undefined;
}

/** A page of a pulled inbox (`DeviceSession.pull`). */
export interface InboxPull {
  messages: Array<{ message: OutgoingMessage; seq: number }>;
  /** The device holds every entry it is owed up to here after this page. */
  syncedUpTo: number;
  /** More entries may be owed after `syncedUpTo`: pull again. */
  more: boolean;
  /** Entries owed but no longer stored. */
  gap?: Gap;
}

const clientRetryTtlMs = 86_400_000;

/**
 * One connected device as the core sees it, whichever protocol it speaks: what it may do
 * (send, ack, sync, rooms, history, recall, read, conversation list), and the live pushes
 * for it — held back while its catch-up runs and merged after it in seq order, so that it
 * never sees a duplicate or a hole.
 */
export class DeviceSession {
  /** Live pushes held back while the catch-up is being sent, merged after it. */
  private heldBack: Array<{ message: OutgoingMessage; seq: number | undefined }> | undefined = [];
  /** Inbox seqs up to here were settled by the catch-up; a late push for one is a duplicate. */
  private coveredUpTo = 0;
  /** Chatrooms this session joined (left when it closes); made on the first join, as most sessions join none. */
  private rooms: Set<string> | undefined;
  private closed = false;
  /** The user logged out on this device (`logOut`) before its socket closed. */
  loggedOut = false;

  inRoom(roomId: string): boolean {
    return this.rooms?.has(roomId) ?? false;
  }

  /** The room was left for this session elsewhere (the room-left node event). */
  forgetRoom(roomId: string): void {
    this.rooms?.delete(roomId);
  }

  constructor(
    /** The app's settings now (they change at run time, docs/admin.md); the session's app key never changes. */
    private readonly currentApp: () => App,
    readonly info: SessionInfo,
    readonly link: DeviceLink,
    private readonly services: DeviceServices,
    /** Held-back pushes beyond this cut the device off: a catch-up it does not read cannot hold more. */
    private readonly maxHeldBack: number,
  ) {}

  get app(): App {
    return this.currentApp();
  }

  get origin(): Origin {
    return { kind: 'device', session: this.info };
  }

  /** A live push for this session (from any node). */
  push(message: OutgoingMessage, seq: number | undefined): void {
    // Nothing reaches the device before its connect answer and catch-up: held, then merged.
    if (this.heldBack) {
      if (this.heldBack.push({ message, seq }) > this.maxHeldBack) this.link.reconnect('too-slow');
      return;
    }
    if (seq !== undefined && seq <= this.coveredUpTo) return;
    this.link.message(message, seq);
  }

  /** A push for a room's members: only while this session is in the room. */
  pushToRoom(roomId: string, message: OutgoingMessage): void {
    if (this.inRoom(roomId)) this.link.message(message, undefined);
  }

  /**
   * Sends what the device is owed, then what was pushed meanwhile, then `synced`. Only
   * seqs contiguous with what the catch-up settled are settled; a held push above a hole
   * is sent as a plain live message, so the hole's own push (still in flight) is not taken
   * for a duplicate.
   */
  async catchUp(device: Pick<ConnectRequest, 'lastSeq' | 'epoch' | 'pulls'>, onHead: (head: { seq: number; epoch: string }) => void): Promise<void> {
    const { inbox, clock } = this.services;
    let sent = 0;
    const outcome = device.pulls
      ? await headOnly(inbox, this.app.appKey, this.info.userId, clock.now(), onHead)
      : await catchUp(inbox, this.app, this.info.userId, device, clock.now(), {
          onHead,
          emit: async (entries) => {
            sent += entries.length;
            for (const { message, seq } of entries) await this.link.caughtUp(message, seq);
          },
        });
    let upTo = outcome.settledUpTo;
    const held = this.heldBack ?? [];
    // Live-only messages (no seq) as they came, then inbox entries in seq order.
    for (const { message, seq } of held) if (seq === undefined) this.link.message(message, undefined);
    const entries = held.filter((h): h is { message: OutgoingMessage; seq: number } => h.seq !== undefined).sort((a, b) => a.seq - b.seq);
    for (const { message, seq } of entries) {
      if (seq <= upTo) continue;
      this.link.message(message, seq);
      if (seq === upTo + 1) upTo = seq;
    }
    this.heldBack = undefined;
    this.coveredUpTo = upTo;
    this.link.synced(upTo, outcome.gap);
    if (outcome.gap) this.services.events.emit({ type: 'gap', app: this.app, session: this.info, gap: outcome.gap });
    if (!device.pulls) this.services.events.emit({ type: 'caught-up', app: this.app, session: this.info, messages: sent });
  }

  async send(frame: DeviceSend): Promise<{ messageUId: string; sentTime: number; seq?: number }> {
    // Where the server knows who sent what, a recall must go through the checks of `recall`.
    if (frame.objectName === recallCommand && keepsHistory(this.app, frame.conversationType)) {
      throw new ParleyError('badParameter', 'objectName: RC:RcCmd is sent by the server; use the recall op');
    }
    const result = await this.services.deliverer.deliver({
      ...targetOf(frame),
      app: this.app,
      origin: this.origin,
      fromUserId: this.info.userId,
      objectName: frame.objectName,
      content: { content: frame.content, pushContent: frame.pushContent, pushData: frame.pushData },
      status: frame.status,
      isPersisted: frame.isPersisted,
      isCounted: frame.isCounted,
      expansion: frame.expansion,
      ...(frame.clientMsgId && { idempotency: { key: `client:${frame.clientMsgId}`, ttlMs: clientRetryTtlMs } }),
    });
    const [first] = result.messageUIds;
    if (!first) throw new ParleyError('internal');
    return { messageUId: first.messageUId, sentTime: result.sentTime, ...(result.seq !== undefined && { seq: result.seq }) };
  }

  ack(seq: number): Promise<void> {
    return this.services.inbox.ack(this.app.appKey, this.info.userId, this.info.deviceId, seq);
  }

  /** Inbox entries after `afterSeq` (a hole the device saw while live). */
  async sync(afterSeq: number, limit: number): Promise<{ messages: Array<{ message: OutgoingMessage; seq: number }>; hasMore: boolean }> {
    const page = await this.services.inbox.read(this.app.appKey, this.info.userId, afterSeq, limit, this.services.clock.now(), inboxLimits(this.app));
    const messages = page.entries.map((entry) => ({ message: inboxRecord.decode(entry.payload), seq: entry.seq }));
    return { messages, hasMore: page.entries.length === limit && page.entries.at(-1)!.seq < page.seq };
  }

  /**
   * For a device that pulls its inbox page by page (ConnectRequest.pulls): up to `limit`
   * entries it is owed after `afterSeq` by the catch-up rules, in seq order, with the seq
   * it then holds; entries owed but no longer stored are reported as a gap.
   */
  async pull(afterSeq: number, limit: number): Promise<InboxPull> {
    const messages: InboxPull['messages'] = [];
    const out = { onHead: () => undefined, emit: (entries: InboxPull['messages']) => void messages.push(...entries) };
    const outcome = await catchUp(this.services.inbox, this.app, this.info.userId, { lastSeq: afterSeq }, this.services.clock.now(), out, limit);
    if (outcome.gap) this.services.events.emit({ type: 'gap', app: this.app, session: this.info, gap: outcome.gap });
    return { messages, syncedUpTo: outcome.settledUpTo, more: outcome.more, ...(outcome.gap && { gap: outcome.gap }) };
  }

  /**
   * Joins a room with the checks of `assertCanJoin`. A block written while this join runs
   * (the limit, then the removal of the user's sessions in the room) either finds this
   * session and removes it, or is found by the check made again after joining, which takes
   * the session out: the blocked user is never left in the room.
   */
  async joinRoom(roomId: string): Promise<void> {
    const { app, info, services } = this;
    await services.chatrooms.assertCanJoin(app, roomId, info.userId);
    // Marked before joining, so a removal (room-left) that arrives while joining is not undone here.
    (this.rooms ??= new Set()).add(roomId);
    try {
      await services.roomMembers.join(app.appKey, roomId, { sessionId: info.sessionId, userId: info.userId, nodeId: info.nodeId, joinedAt: services.clock.now() });
      await services.chatrooms.assertCanJoin(app, roomId, info.userId);
    } catch (err) {
      this.rooms?.delete(roomId);
      await services.roomMembers.leave(app.appKey, roomId, info.sessionId);
      throw err;
    }
    // The device may have gone while joining; its close has then already left the other rooms.
    if (this.closed) await this.leaveRoom(roomId);
  }

  /** Leaves a room; when it was the user's last session there, the room learns the user left. */
  async leaveRoom(roomId: string): Promise<void> {
    const { app, info, services } = this;
    this.rooms?.delete(roomId);
    await services.roomMembers.leave(app.appKey, roomId, info.sessionId);
    const stillThere = (await services.roomMembers.sessions(app.appKey, roomId)).some((m) => m.userId === info.userId);
    if (!stillThere) await services.chatrooms.userLeft(app, roomId, info.userId);
  }

  history(request: HistoryRequest): Promise<HistoryPage> {
    return this.services.history.page(this.app, this.info.userId, request);
  }

  /** Recalls one of the user's own messages; `isDelete` and `extra` as the server API's recall takes them. */
  recall(messageUId: string, options: { isDelete: boolean; extra: string } = { isDelete: false, extra: '' }): Promise<void> {
    return this.services.recalls.recall({ app: this.app, origin: this.origin, fromUserId: this.info.userId, messageUId, isAdmin: false, ...options });
  }

  async read(name: ConversationName, lastReadTime: number): Promise<void> {
    await this.services.deliverer.markRead(this.app, this.origin, this.info.userId, name, lastReadTime);
  }

  conversations(limit: number): Promise<ConversationListEntry[]> {
    return this.services.conversationList.list(this.app, this.info.userId, limit);
  }

  notifications(): Promise<MuteRow[]> {
    return this.services.permissions.listMutes(this.app, this.info.userId);
  }

  /** Binds a push token to this user's device (docs/push.md): it is pushed what it misses while not connected. */
  registerPush(provider: PushProviderName, token: string): Promise<void> {
    return this.services.pushTokens.register(this.app, { userId: this.info.userId, deviceId: this.info.deviceId, provider, token });
  }

  unregisterPush(): Promise<void> {
    return this.services.pushTokens.unregister(this.app, this.info.userId, this.info.deviceId);
  }

  /** The user logs out on this device (RongCloud's logout): no more pushes to it, and its close reports "logged out". */
  async logOut(): Promise<void> {
    await this.unregisterPush();
    this.loggedOut = true;
  }

  /** The device is gone: leaves its rooms, then its presence. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...(this.rooms ?? [])].map((roomId) => this.leaveRoom(roomId).catch((err: unknown) => this.services.onError(err, `could not leave chatroom ${roomId}`))));
  }
}

/** A device that pulls its inbox is told only where the inbox stands when it connects. */
async function headOnly(inbox: DeviceServices['inbox'], appKey: string, userId: string, now: number, onHead: (head: InboxHead) => void): Promise<{ settledUpTo: number; gap?: Gap }> {
  const head = await inbox.head(appKey, userId, now);
  onHead(head);
  return { settledUpTo: head.seq };
}
