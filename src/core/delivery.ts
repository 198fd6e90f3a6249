import { ParleyError } from '../errors.js';
import { privateConversationKey, type HistoryRow, type HistoryStore } from '../store/history.js';
import type { Inbox, InboxLimits } from '../store/inbox.js';
import type { OnceStore } from '../store/once.js';
import type { Presence } from '../store/presence.js';
import type { SessionInfo } from '../model/session.js';
import type { UserStore } from '../store/users.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import { conversationTypes, type DeliveredMessage, type MessageView } from '../model/message.js';
import { createMessageUId } from './message-uid.js';
import { readSyncType, resolveMessage, type MessageFlags } from './message-types.js';
import { initialExpansion } from './expansion.js';
import { runOnce } from './once.js';
import type { PermissionService } from './permissions.js';
import type { PushRouter } from './push.js';

/** Who asked: the app backend (REST, an administrator) or a connected device. */
export type SendOrigin = { kind: 'api' } | { kind: 'client'; sessionId: string };

/** Content for one recipient (templates give each recipient its own). */
export interface RecipientContent {
  content: string;
  pushContent?: string;
  pushData?: string;
}

export interface SendRequest {
  app: App;
  origin: SendOrigin;
  fromUserId: string;
  conversationType: typeof conversationTypes.private | typeof conversationTypes.system;
  toUserIds: readonly string[];
  objectName: string;
  content: RecipientContent | ((userId: string, index: number) => RecipientContent);
  /** isIncludeSender / isSyncSender / isEchoToSender (REST only; client sends follow multiDeviceSync). */
  echo: boolean;
  /** Sent through a status endpoint: online devices only, never stored. */
  status: boolean;
  isPersisted?: boolean;
  isCounted?: boolean;
  busChannel?: string;
  /** REST only: leave out the recipients who blocked the sender (the call still succeeds). */
  verifyBlacklist?: boolean;
  /** Sent with `expansion`: key/values may later be set on the message; `initial` ones come with it. */
  expansion?: { initial?: Readonly<Record<string, string>> | undefined } | undefined;
  /**
   * The server's own signal about a message already delivered (a recall): a device's send
   * is not held to the permission rules, as a block made since must not stop it.
   */
  system?: boolean | undefined;
  /** One messageUId shared by every recipient (broadcast) instead of one each. */
  sharedMessageUId?: string;
  /** Retries with the same key within `ttlMs` return the first result and deliver nothing. */
  idempotency?: { key: string; ttlMs: number };
}

export interface SendResult {
  sentTime: number;
  messageUIDs: Array<{ userId: string; messageUID: string }>;
  /** The sender's own inbox seq for this message (a client send with multiDeviceSync). */
  seq?: number;
}

/** What every copy of one message shares. */
export interface ViewBase {
  fromUserId: string;
  objectName: string;
  busChannel: string;
  sender: MessageView['sender'];
  now: number;
  flags: MessageFlags;
}

/** What one copy has of its own. */
export interface ViewStamp {
  messageUId: string;
  conversationType: MessageView['conversationType'];
  targetId: string;
  content: RecipientContent;
}

/** One copy of a message for one user: inbox entry and/or live push. */
export interface Copy {
  userId: string;
  view: MessageView;
  toInbox: boolean;
  /** The sending device itself does not get its own message pushed back. */
  skipSessionId?: string;
  seq?: number;
}

const broadcastPageSize = 500;
const profileCacheMs = 5_000;
const maxCachedProfiles = 50_000;


/** A device's own send is not pushed back to that device. */
export const skipSender = (origin: SendOrigin): Pick<Copy, 'skipSessionId'> =>
  origin.kind === 'client' ? { skipSessionId: origin.sessionId } : {};

export function inboxLimits(app: App): InboxLimits {
  return { retentionMs: app.features.offlineMessageDays * 86_400_000, cap: app.features.offlineMessageCap };
}

/**
 * The one delivery function (ARCHITECTURE.md "The path of one message") for every
 * send path: validate → stamp → resolve recipients → decide per recipient →
 * persist (inbox) → push. Knows nothing of HTTP, WebSocket, Postgres or Redis.
 */
export class DeliveryService {
  private readonly jobs = new Set<Promise<void>>();
  private readonly profiles = new Map<string, { profile: MessageView['sender']; at: number }>();

  constructor(
    private readonly users: UserStore,
    private readonly inbox: Inbox,
    private readonly history: HistoryStore,
    private readonly presence: Presence,
    private readonly pushes: PushRouter,
    private readonly once: OnceStore,
    private readonly permissions: PermissionService,
    private readonly clock: Clock,
    private readonly onPushError: (err: unknown) => void,
    private readonly onBroadcastError: (err: unknown, messageUId: string) => void,
  ) {}

  send(request: SendRequest): Promise<SendResult> {
    return this.runOnceFor(request, () => this.sendNow(request));
  }

  /** Runs `work` once per idempotency key of the request (or every time without one). */
  runOnceFor<T>(request: Pick<SendRequest, 'app' | 'fromUserId' | 'idempotency'>, work: () => Promise<T>): Promise<T> {
    const { idempotency } = request;
    if (!idempotency) return work();
    return runOnce(this.once, `${request.app.appKey}:${request.fromUserId}:${idempotency.key}`, idempotency.ttlMs, work);
  }

  /** Pushes to every online session of the app (on all nodes); nothing is stored. */
  pushToOnline(request: Pick<SendRequest, 'app' | 'fromUserId' | 'objectName' | 'idempotency'> & { content: string }): Promise<string> {
    return this.runOnceFor(request, () => this.pushToOnlineNow(request.app, request.fromUserId, request.objectName, request.content));
  }

  private async pushToOnlineNow(app: App, fromUserId: string, objectName: string, content: string): Promise<string> {
    const { flags } = resolveMessage({ objectName, content });
    const now = this.clock.now();
    const sender = await this.senderProfile(app, fromUserId);
    const view = this.view({ fromUserId, objectName, busChannel: '', sender, now, flags: { ...flags, persisted: false } }, {
      messageUId: createMessageUId(now),
      conversationType: conversationTypes.system,
      targetId: fromUserId,
      content: { content },
    });
    await this.pushes.pushToApp(app.appKey, await this.presence.liveNodes(), view);
    return view.messageUId;
  }

  /**
   * Delivers to every user of the app, page by page in the background, so the
   * request is not held for O(users) work; returns the shared messageUId at once.
   */
  broadcast(request: Omit<SendRequest, 'toUserIds' | 'sharedMessageUId'>): Promise<string> {
    return this.runOnceFor(request, async () => this.startBroadcast(request));
  }

  private startBroadcast(request: Omit<SendRequest, 'toUserIds' | 'sharedMessageUId'>): string {
    const content = typeof request.content === 'function' ? request.content(request.fromUserId, 0) : request.content;
    resolveMessage({ objectName: request.objectName, content: content.content, isPersisted: request.isPersisted, isCounted: request.isCounted });
    const sharedMessageUId = createMessageUId(this.clock.now());
    const job = (async () => {
      for (let after = ''; ; ) {
        const toUserIds = await this.users.listIds(request.app.appKey, after, broadcastPageSize);
        if (toUserIds.length === 0) return;
        await this.sendNow({ ...request, toUserIds, sharedMessageUId, idempotency: undefined });
        after = toUserIds[toUserIds.length - 1]!;
      }
    })().catch((err: unknown) => this.onBroadcastError(err, sharedMessageUId));
    this.jobs.add(job);
    void job.finally(() => this.jobs.delete(job));
    return sharedMessageUId;
  }

  /** Resolves when background broadcasts have finished (graceful shutdown, tests). */
  async drain(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
  }

  private async sendNow(request: SendRequest): Promise<SendResult> {
    const { app, fromUserId, origin } = request;
    const toUserIds = await this.permittedRecipients(request);
    // Everything is validated before anything is written.
    const contents = await Promise.all(
      toUserIds.map(async (userId, index) => {
        const raw = typeof request.content === 'function' ? request.content(userId, index) : request.content;
        const { content, flags, extraContent } = await this.prepare(app, origin, { ...request, content: raw });
        return { userId, content, flags, extraContent };
      }),
    );
    const now = this.clock.now();
    const sender = await this.senderProfile(app, fromUserId);
    const { multiDeviceSync } = app.features;
    const echo = origin.kind === 'client' ? multiDeviceSync : request.echo;

    // History: stored types only, when the app keeps it; a broadcast is not per-conversation history.
    const keepHistory = app.features.historyPrivateGroup && request.sharedMessageUId === undefined;
    const historyRows: HistoryRow[] = [];
    const copies: Copy[] = [];
    const messageUIDs: SendResult['messageUIDs'] = [];
    for (const { userId, content, flags, extraContent } of contents) {
      const messageUId = request.sharedMessageUId ?? createMessageUId(now);
      messageUIDs.push({ userId, messageUID: messageUId });
      if (keepHistory && flags.persisted && !flags.status) {
        historyRows.push({
          conversationType: request.conversationType,
          conversationKey: privateConversationKey(fromUserId, userId),
          busChannel: request.busChannel ?? '',
          sentTime: now,
          messageUId,
          fromUserId,
          targetId: userId,
          objectName: request.objectName,
          content: content.content,
          // A server-API message shows in the sender's history only if echoed; a device's own send always does.
          senderVisible: origin.kind === 'client' || echo,
          counted: flags.counted,
          expansion: request.expansion !== undefined,
          extraContent,
        });
      }
      const base = { fromUserId, objectName: request.objectName, busChannel: request.busChannel ?? '', sender, now, flags };
      const stamp = { messageUId, conversationType: request.conversationType, content };
      copies.push({ userId, view: this.view(base, { ...stamp, targetId: fromUserId }), toInbox: !flags.status });
      if (echo && userId !== fromUserId) {
        copies.push({
          userId: fromUserId,
          view: this.view(base, { ...stamp, targetId: userId }),
          toInbox: !flags.status && multiDeviceSync,
          ...skipSender(origin),
        });
      }
    }

    await this.commit(app, copies, historyRows, now);
    const senderSeq = origin.kind === 'client' ? copies.find((c) => c.toInbox && c.userId === fromUserId)?.seq : undefined;
    return { sentTime: now, messageUIDs, ...(senderSeq !== undefined && { seq: senderSeq }) };
  }

  /**
   * Persists, then pushes (ARCHITECTURE.md "Persist, then push"): every inbox entry
   * (one round trip for all of them) and history row of one send, then the live pushes
   * to the copies' users' online sessions, each inbox copy carrying its seq.
   */
  async commit(app: App, copies: Copy[], historyRows: readonly HistoryRow[], now: number): Promise<void> {
    const stored = copies.filter((c) => c.toInbox);
    const [seqs] = await Promise.all([
      this.inbox.append(app.appKey, stored.map((c) => ({ userId: c.userId, payload: JSON.stringify(c.view) })), now, inboxLimits(app)),
      this.history.insert(app.appKey, historyRows),
    ]);
    stored.forEach((copy, i) => (copy.seq = seqs[i]?.seq));
    await this.pushCopies(app, copies);
  }

  /**
   * Validates one content for a send (and the key/values it comes with); a device's
   * content also passes the sensitive-word filter.
   */
  async prepare(
    app: App,
    origin: SendOrigin,
    input: Pick<SendRequest, 'objectName' | 'expansion' | 'status'> & { content: RecipientContent; isPersisted?: boolean | undefined; isCounted?: boolean | undefined },
  ): Promise<{ content: RecipientContent; flags: MessageFlags; extraContent: string | undefined }> {
    // A read position is kept and synced by ConversationListService.markRead, not sent as a message.
    if (input.objectName === readSyncType) {
      throw new ParleyError('badParameter', 'objectName: RC:SRSMsg is a read position: send it one-to-one (or with the read op), not to groups, rooms or everyone');
    }
    const { flags } = resolveMessage({ objectName: input.objectName, content: input.content.content, isPersisted: input.isPersisted, isCounted: input.isCounted, forceStatus: input.status });
    const extraContent = input.expansion && initialExpansion(input.expansion.initial, this.clock.now());
    if (origin.kind !== 'client') return { content: input.content, flags, extraContent };
    return { content: { ...input.content, content: await this.permissions.filterContent(app, input.objectName, input.content.content) }, flags, extraContent };
  }

  /** Best-effort pushes to given sessions (chatrooms: members are sessions, not users). */
  async pushToSessions(app: App, deliveries: ReadonlyArray<{ sessions: ReadonlyArray<Pick<SessionInfo, 'sessionId' | 'nodeId'>>; message: DeliveredMessage }>): Promise<void> {
    try {
      const nonEmpty = deliveries.filter((d) => d.sessions.length > 0);
      if (nonEmpty.length > 0) await this.pushes.push(app.appKey, nonEmpty);
    } catch (err) {
      this.onPushError(err);
    }
  }

  /**
   * Devices are held to every permission rule (a refusal throws); the app backend only
   * to the blocklist, and only when it asks (`verifyBlacklist`), by leaving recipients out.
   */
  private async permittedRecipients(request: SendRequest): Promise<readonly string[]> {
    const { app, fromUserId, origin, toUserIds } = request;
    if (origin.kind === 'client') {
      if (!request.system) await this.permissions.checkClientSend(app, fromUserId, toUserIds);
      return toUserIds;
    }
    if (!request.verifyBlacklist) return toUserIds;
    const blocked = await this.permissions.blockedBy(app, fromUserId, toUserIds);
    return toUserIds.filter((userId) => !blocked.has(userId));
  }

  /** Live push is best effort: the inbox already holds what a device must not miss. */
  private async pushCopies(app: App, copies: readonly Copy[]): Promise<void> {
    try {
      const online = await this.presence.listMany(app.appKey, [...new Set(copies.map((c) => c.userId))]);
      const deliveries = copies.flatMap((copy) => {
        const sessions = (online.get(copy.userId) ?? []).filter((s: SessionInfo) => s.sessionId !== copy.skipSessionId);
        if (sessions.length === 0) return [];
        const message: DeliveredMessage = copy.seq === undefined ? copy.view : { ...copy.view, seq: copy.seq };
        return [{ sessions, message }];
      });
      if (deliveries.length > 0) await this.pushes.push(app.appKey, deliveries);
    } catch (err) {
      this.onPushError(err);
    }
  }

  /**
   * The sender's name and portrait carried on every copy, cached per node for a few
   * seconds: a busy sender costs no query per message; a profile change shows within 5 s.
   */
  async senderProfile(app: App, userId: string): Promise<MessageView['sender']> {
    const key = `${app.appKey}\u0000${userId}`;
    const now = this.clock.now();
    const cached = this.profiles.get(key);
    if (cached && now - cached.at < profileCacheMs && now >= cached.at) return cached.profile;
    const user = (await this.users.getMany(app.appKey, [userId])).get(userId);
    const profile = { name: user?.name ?? '', portraitUri: user?.portraitUri ?? '' };
    if (this.profiles.size >= maxCachedProfiles) this.profiles.clear();
    this.profiles.set(key, { profile, at: now });
    return profile;
  }

  view(base: ViewBase, stamp: ViewStamp): MessageView {
    return {
      messageUId: stamp.messageUId,
      conversationType: stamp.conversationType,
      targetId: stamp.targetId,
      busChannel: base.busChannel,
      senderUserId: base.fromUserId,
      objectName: base.objectName,
      content: stamp.content.content,
      sentTime: base.now,
      sender: base.sender,
      pushContent: stamp.content.pushContent ?? '',
      pushData: stamp.content.pushData ?? '',
      isStatus: base.flags.status,
      isPersisted: base.flags.persisted,
      isCounted: base.flags.counted,
      recalled: false,
    };
  }
}
