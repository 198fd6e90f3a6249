import { ParleyError } from '../../errors.js';
import type { CallbackEventStore } from '../../store/callback-events.js';
import { blockedMessages, routedMessages } from '../callbacks/message-route.js';
import type { Clock } from '../../model/clock.js';
import { conversationTypes, type MessageView } from '../../model/message.js';
import type { ConversationStore } from '../../store/conversations.js';
import type { OnceStore } from '../../store/once.js';
import type { App } from '../apps.js';
import type { ConversationAccess, ConversationName } from '../conversation-access.js';
import { readSyncTime } from '../read-sync.js';
import { readSyncType, resolveMessage } from '../message-types.js';
import { decodeStamp, encodeStamp, newSendStamp, stampedMessageUId, type SendStamp } from '../message-uid.js';
import type { AudienceContext } from './audience.js';
import { chatroomAudience } from './audience-chatroom.js';
import { groupAudience } from './audience-group.js';
import { privateAudience } from './audience-private.js';
import { ultraGroupAudience } from './audience-ultragroup.js';
import type { Committer } from './commit.js';
import type { CoreEvents } from './events.js';
import { messageView, type PlannedMessage } from './plan.js';
import type { Publisher } from './publish.js';
import { runOnce } from './once.js';
import { conversationTypeOf, type ConversationSend, type Delivered, type Origin, type Send } from './send.js';

type AppWideSend = Extract<Send, { kind: 'everyone' | 'online' | 'everyRoom' }>;

export interface DelivererDeps {
  clock: Clock;
  audience: AudienceContext;
  committer: Committer;
  publisher: Publisher;
  events: CoreEvents;
  once: OnceStore;
  /** Read positions (RC:SRSMsg) are kept here. */
  readPositions: ConversationStore;
  access: ConversationAccess;
  /** App-wide sends (kinds everyone, online, everyRoom). */
  appWide: { start(send: AppWideSend, stamp: SendStamp): Promise<Delivered> };
  /** Where a refused send's routing callback is written (`includeBlocked`). */
  callbacks: Pick<CallbackEventStore, 'add'>;
  onError(err: unknown, what: string): void;
}

/**
 * The one delivery function (docs/architecture.md "The path of one message"): every send
 * path — REST routes, devices, recalls, expansion notices, read sync — calls `deliver`.
 * It checks and plans the send (the kind's audience rule), writes it at its one commit
 * point, pushes it live, and tells the listeners of the committed-message events.
 */
export class Deliverer {
  constructor(private readonly deps: DelivererDeps) {}

  deliver(send: Send): Promise<Delivered> {
    if (send.objectName === readSyncType) return this.readSyncMessage(send);
    const stamp = newSendStamp(this.deps.clock.now(), idsNeeded(send));
    const { idempotency } = send;
    if (!idempotency) return this.run(send, stamp, false);
    return runOnce(
      this.deps.once,
      `${send.app.appKey}:${send.fromUserId}:${idempotency.key}`,
      idempotency.ttlMs,
      () => this.deps.clock.now(),
      encodeStamp(stamp),
      (kept, retry) => this.run(send, decodeStamp(kept), retry),
      (err) => this.deps.onError(err, 'could not record a send for its retries'),
    );
  }

  /** Checks a send's content without sending it (a notice checked before the change it announces). */
  async check(send: Send): Promise<void> {
    await this.deps.audience.preparer.prepare(send, send.content);
  }

  /**
   * Moves `userId`'s read position in a conversation forward (never back, never past now)
   * and tells the user's other devices with RC:SRSMsg, as RongCloud's read-status sync does.
   */
  async markRead(app: App, origin: Origin, userId: string, name: ConversationName, lastReadTime: number): Promise<{ messageUId: string; sentTime: number }> {
    if (name.conversationType === conversationTypes.chatroom) throw new ParleyError('badParameter', 'conversationType: chatrooms have no read position');
    const ref = await this.deps.access.refFor(app, userId, name);
    const stamp = newSendStamp(this.deps.clock.now(), 1);
    // A position never moves back, so one in the future would hide every later message's unread for good.
    const readTime = Math.min(lastReadTime, stamp.sentTime);
    await this.deps.readPositions.markRead(app.appKey, userId, ref, readTime);
    const content = { content: JSON.stringify({ lastMessageSendTime: readTime }) };
    const { flags } = resolveMessage({ objectName: readSyncType, content: content.content });
    const prepared = { content, flags, extraContent: undefined };
    const base = { fromUserId: userId, objectName: readSyncType, busChannel: ref.busChannel, sender: await this.deps.audience.profiles.of(app, userId), sentTime: stamp.sentTime };
    const messageUId = stampedMessageUId(stamp, 0);
    const message = messageView(base, { messageUId, conversationType: ref.conversationType as MessageView['conversationType'], targetId: ref.targetId, prepared });
    const skipSessionId = origin.kind === 'device' ? origin.session.sessionId : undefined;
    const planned: PlannedMessage = { messageUId, targetId: ref.targetId, copies: [{ message, users: [userId], toInbox: true, skipSessionId }], prepared };
    const committed = await this.deps.committer.commit(app, stamp, [planned], false);
    await this.deps.publisher.pushLive(app, [planned], committed);
    this.deps.events.emit({ type: 'read', app, userId, conversationType: ref.conversationType, targetId: ref.targetId, busChannel: ref.busChannel, readTime });
    return { messageUId, sentTime: stamp.sentTime };
  }

  private async run(send: Send, stamp: SendStamp, retry: boolean): Promise<Delivered> {
    if (send.kind === 'everyone' || send.kind === 'online' || send.kind === 'everyRoom') return this.deps.appWide.start(send, stamp);
    const messages = await this.planOrRouteRefusal(send, stamp);
    const owed = { callbacks: routedMessages(send, stamp, messages), pushPlans: this.deps.publisher.owedPushPlans(send, messages) };
    const committed = await this.deps.committer.commit(send.app, stamp, messages, retry, owed);
    await this.deps.publisher.publish(send, messages, committed);
    const ownSeq = send.origin.kind === 'device' ? messages.length === 1 && committed.seqs.get(messages[0]!.messageUId)?.get(send.fromUserId) : undefined;
    return {
      sentTime: stamp.sentTime,
      messageUIds: messages.map((m) => ({ targetId: m.targetId, messageUId: m.messageUId })),
      ...(typeof ownSeq === 'number' && { seq: ownSeq }),
    };
  }

  /** A device's send refused for a blocking word is still routed when the app asks (written before the refusal is answered). */
  private async planOrRouteRefusal(send: ConversationSend, stamp: SendStamp): Promise<PlannedMessage[]> {
    try {
      return await this.plan(send, stamp);
    } catch (err) {
      const blocked = err instanceof ParleyError && err.kind === 'sensitiveWordBlocked' ? blockedMessages(send, stamp) : [];
      if (blocked.length > 0) await this.deps.callbacks.add(send.app.appKey, blocked);
      throw err;
    }
  }

  private plan(send: ConversationSend, stamp: SendStamp): Promise<PlannedMessage[]> {
    const context = this.deps.audience;
    switch (send.kind) {
      case 'private':
      case 'system':
        return privateAudience(context, send, stamp);
      case 'group':
        return groupAudience(context, send, stamp);
      case 'chatroom':
        return chatroomAudience(context, send, stamp);
      case 'ultraGroup':
        return ultraGroupAudience(context, send, stamp);
    }
  }

  /**
   * An RC:SRSMsg sent as a message is a read position in the conversations it names: kept,
   * then synced to the sender's devices (a room has none; app-wide sends name no conversation).
   */
  private async readSyncMessage(send: Send): Promise<Delivered> {
    const readTime = readSyncTime(send.content.content);
    const names = conversationsNamed(send);
    const synced = await Promise.all(names.map((name) => this.markRead(send.app, send.origin, send.fromUserId, name, readTime)));
    return { sentTime: synced[0]?.sentTime ?? this.deps.clock.now(), messageUIds: synced.map((s, i) => ({ targetId: names[i]!.targetId, messageUId: s.messageUId })) };
  }
}

/** How many message ids a send may use: one per receiver or conversation. */
function idsNeeded(send: Send): number {
  switch (send.kind) {
    case 'private':
    case 'system':
      return send.toUserIds.length;
    case 'group':
    case 'ultraGroup':
      return send.groupIds.length;
    case 'chatroom':
      return send.roomIds.length;
    default:
      return 1;
  }
}

/** The conversations a send names, as its sender sees them. */
function conversationsNamed(send: Send): ConversationName[] {
  switch (send.kind) {
    case 'private':
    case 'system':
      return send.toUserIds.map((targetId) => ({ conversationType: conversationTypeOf[send.kind], targetId }));
    case 'group':
      return send.groupIds.map((targetId) => ({ conversationType: conversationTypes.group, targetId }));
    case 'ultraGroup':
      return send.groupIds.map((targetId) => ({ conversationType: conversationTypes.ultraGroup, targetId, busChannel: send.busChannel }));
    case 'chatroom':
      return send.roomIds.map((targetId) => ({ conversationType: conversationTypes.chatroom, targetId }));
    default:
      throw new ParleyError('badParameter', 'objectName: RC:SRSMsg is a read position in one conversation, not a message to everyone');
  }
}
