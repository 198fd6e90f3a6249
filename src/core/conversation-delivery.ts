import { ParleyError } from '../errors.js';
import type { ChatroomMembers } from '../store/chatroom-members.js';
import type { HistoryRow } from '../store/history.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import type { ChatroomRules, GroupRules, UltraGroupRules } from './conversation-rules.js';
import { skipSender, type Copy, type DeliveryService, type RecipientContent, type SendOrigin, type SendRequest, type ViewBase } from './delivery.js';
import { normalizeChannel } from './ultragroups.js';
import { conversationTypes } from '../model/message.js';
import { createMessageUId } from './message-uid.js';

/** A send to one or more conversations of a many-member kind. */
export interface ConversationSend {
  app: App;
  origin: SendOrigin;
  fromUserId: string;
  targetIds: readonly string[];
  objectName: string;
  content: RecipientContent;
  /** REST echo flag; device sends follow multiDeviceSync (groups, chatrooms) or always (ultra groups). */
  echo: boolean;
  status: boolean;
  isPersisted?: boolean | undefined;
  isCounted?: boolean | undefined;
  /** Groups and ultra groups: only these members receive it (one target only). */
  toUserIds?: readonly string[] | undefined;
  busChannel?: string | undefined;
  idempotency?: SendRequest['idempotency'];
  /** Sent with `expansion`: key/values may later be set on the message; `initial` ones come with it. */
  expansion?: { initial?: Readonly<Record<string, string>> | undefined } | undefined;
  /** A notice of the system (group notify block, chatroom attribute change): not held to who may speak. */
  system?: boolean | undefined;
}

export interface ConversationSendResult {
  sentTime: number;
  messageUIDs: Array<{ targetId: string; messageUID: string }>;
}

/**
 * The delivery rules of groups, chatrooms and ultra groups (ARCHITECTURE.md), on the
 * shared steps of the delivery function: validate, authorize, stamp, resolve recipients,
 * persist, push.
 * - group: members' inboxes (one pipelined append for all), live push; history if kept;
 * - chatroom: the sessions joined now, no inbox, no seq; history if kept and echoed;
 * - ultra group: online members of the channel, no inbox (clients pull), history always.
 */
export class ConversationDelivery {
  constructor(
    private readonly delivery: DeliveryService,
    private readonly groups: GroupRules,
    private readonly chatrooms: ChatroomRules,
    private readonly roomMembers: ChatroomMembers,
    private readonly ultraGroups: UltraGroupRules,
    private readonly clock: Clock,
  ) {}

  /** Checks a send's content without sending (a notice validated before the change it announces). */
  async validate(send: ConversationSend): Promise<void> {
    await this.delivery.prepare(send.app, send.origin, send);
  }

  toGroups(send: ConversationSend): Promise<ConversationSendResult> {
    return this.delivery.runOnceFor(send, async () => {
      const { app, origin, fromUserId } = send;
      const prepared = await this.delivery.prepare(app, origin, send);
      const { content, flags } = prepared;
      const audiences: Array<readonly string[]> = [];
      for (const groupId of send.targetIds) {
        if (!send.system) await this.groups.assertCanSend(app, groupId, fromUserId, origin.kind === 'client');
        const members = await this.groups.members(app, groupId);
        audiences.push((send.toUserIds ?? members).filter((u) => u !== fromUserId && members.includes(u)));
      }
      const now = this.clock.now();
      const base = await this.base(send, flags, now);
      const echo = origin.kind === 'client' ? app.features.multiDeviceSync : send.echo;
      const copies: Copy[] = [];
      const history: HistoryRow[] = [];
      const messageUIDs = send.targetIds.map((groupId, i) => {
        const messageUId = createMessageUId(now);
        const view = this.delivery.view(base, { messageUId, conversationType: conversationTypes.group, targetId: groupId, content });
        for (const userId of audiences[i]!) copies.push({ userId, view, toInbox: !flags.status });
        if (echo) copies.push({ userId: fromUserId, view, toInbox: !flags.status && app.features.multiDeviceSync, ...skipSender(origin) });
        if (app.features.historyPrivateGroup && flags.persisted && !flags.status && !send.toUserIds) {
          history.push(row(send, base, prepared, conversationTypes.group, groupId, messageUId, origin.kind === 'client' || echo));
        }
        return { targetId: groupId, messageUID: messageUId };
      });
      await this.delivery.commit(app, copies, history, now);
      return { sentTime: now, messageUIDs };
    });
  }

  toChatrooms(send: ConversationSend): Promise<ConversationSendResult> {
    return this.delivery.runOnceFor(send, async () => {
      const { app, origin, fromUserId } = send;
      const prepared = await this.delivery.prepare(app, origin, send);
      const { content, flags } = prepared;
      const rooms = [];
      for (const roomId of send.targetIds) {
        if (!send.system) await this.chatrooms.assertCanSend(app, roomId, fromUserId, send.objectName);
        const sessions = await this.roomMembers.sessions(app.appKey, roomId);
        if (origin.kind === 'client' && !sessions.some((s) => s.sessionId === origin.sessionId)) throw new ParleyError('notInChatroom');
        rooms.push({ roomId, sessions, stopped: await this.chatrooms.isDistributionStopped(app, roomId) });
      }
      const now = this.clock.now();
      const base = await this.base(send, flags, now);
      // A device's own send counts as echoed for history; its other sessions get it with multiDeviceSync.
      const echoed = origin.kind === 'client' || send.echo;
      const echo = origin.kind === 'client' ? app.features.multiDeviceSync : send.echo;
      const history: HistoryRow[] = [];
      const pushes = rooms.map(({ roomId, sessions, stopped }) => {
        const messageUId = createMessageUId(now);
        if (app.features.historyChatroom && flags.persisted && !flags.status && echoed) {
          history.push(row(send, base, prepared, conversationTypes.chatroom, roomId, messageUId, true));
        }
        const audience = stopped ? [] : sessions.filter((s) => (echo || s.userId !== fromUserId) && !(origin.kind === 'client' && s.sessionId === origin.sessionId));
        const message = this.delivery.view(base, { messageUId, conversationType: conversationTypes.chatroom, targetId: roomId, content });
        return { roomId, messageUId, sessions: audience, message };
      });
      await this.delivery.commit(app, [], history, now);
      await this.delivery.pushToSessions(app, pushes);
      return { sentTime: now, messageUIDs: pushes.map((p) => ({ targetId: p.roomId, messageUID: p.messageUId })) };
    });
  }

  /** Every room of the app with members now; nothing stored. */
  async broadcastToChatrooms(app: App, fromUserId: string, objectName: string, content: RecipientContent): Promise<string> {
    const origin: SendOrigin = { kind: 'api' };
    const prepared = await this.delivery.prepare(app, origin, { objectName, content, status: false });
    const now = this.clock.now();
    const base = await this.base({ app, fromUserId, objectName }, prepared.flags, now);
    const messageUId = createMessageUId(now);
    const rooms = await this.roomMembers.rooms(app.appKey);
    const pushes = await Promise.all(
      rooms.map(async (roomId) => ({
        sessions: await this.roomMembers.sessions(app.appKey, roomId),
        message: this.delivery.view(base, { messageUId, conversationType: conversationTypes.chatroom, targetId: roomId, content: prepared.content }),
      })),
    );
    await this.delivery.pushToSessions(app, pushes);
    return messageUId;
  }

  toUltraGroups(send: ConversationSend): Promise<ConversationSendResult> {
    return this.delivery.runOnceFor(send, async () => {
      const { app, origin, fromUserId } = send;
      const busChannel = normalizeChannel(send.busChannel ?? '');
      const prepared = await this.delivery.prepare(app, origin, send);
      const { content, flags } = prepared;
      const audiences: Array<readonly string[]> = [];
      for (const groupId of send.targetIds) {
        if (!send.system) await this.ultraGroups.assertCanSend(app, groupId, busChannel, fromUserId);
        const audience = await this.ultraGroups.audience(app, groupId, busChannel);
        audiences.push(send.toUserIds ? send.toUserIds.filter((u) => audience.includes(u)) : audience);
      }
      const now = this.clock.now();
      const base = await this.base({ ...send, busChannel }, flags, now);
      const copies: Copy[] = [];
      const history: HistoryRow[] = [];
      const messageUIDs = send.targetIds.map((groupId, i) => {
        const messageUId = createMessageUId(now);
        const view = this.delivery.view(base, { messageUId, conversationType: conversationTypes.ultraGroup, targetId: groupId, content });
        // The sender's other devices always get it (RongCloud: no isIncludeSender for ultra groups).
        const audience = new Set([...audiences[i]!, fromUserId]);
        for (const userId of audience) copies.push({ userId, view, toInbox: false, ...(userId === fromUserId ? skipSender(origin) : {}) });
        // A targeted message is not the channel's history: members it skipped could read it there.
        if (!flags.status && flags.persisted && !send.toUserIds) history.push(row(send, base, prepared, conversationTypes.ultraGroup, groupId, messageUId, true));
        return { targetId: groupId, messageUID: messageUId };
      });
      await this.delivery.commit(app, copies, history, now);
      return { sentTime: now, messageUIDs };
    });
  }

  private async base(send: Pick<ConversationSend, 'app' | 'fromUserId' | 'objectName' | 'busChannel'>, flags: ViewBase['flags'], now: number): Promise<ViewBase> {
    return {
      fromUserId: send.fromUserId,
      objectName: send.objectName,
      busChannel: send.busChannel ?? '',
      sender: await this.delivery.senderProfile(send.app, send.fromUserId),
      now,
      flags,
    };
  }
}

type Prepared = Awaited<ReturnType<DeliveryService['prepare']>>;

function row(send: ConversationSend, base: ViewBase, prepared: Prepared, conversationType: number, targetId: string, messageUId: string, senderVisible: boolean): HistoryRow {
  return {
    conversationType,
    conversationKey: targetId,
    busChannel: base.busChannel,
    sentTime: base.now,
    messageUId,
    fromUserId: send.fromUserId,
    targetId,
    objectName: send.objectName,
    content: prepared.content.content,
    senderVisible,
    counted: base.flags.counted,
    expansion: send.expansion !== undefined,
    extraContent: prepared.extraContent,
  };
}
