import { ParleyError } from '../errors.js';
import type { ConversationStore } from '../store/conversations.js';
import type { MuteRow } from '../store/permissions.js';
import type { App } from './apps.js';
import type { Clock } from './clock.js';
import { conversationRef, type ConversationAccess, type ConversationName } from './conversation-access.js';
import { retentionCutoff } from './history-policy.js';
import type { DeliveryService, SendOrigin } from './delivery.js';
import { skipSender } from './delivery.js';
import type { HistoryService } from './history.js';
import { conversationTypes, type MessageView } from './message.js';
import { createMessageUId } from './message-uid.js';
import { readSyncType, resolveMessage } from './message-types.js';
import type { PermissionService } from './permissions.js';

/** A long-unread conversation counts up to here (clients show "99+" long before). */
const maxUnread = 1000;


export interface ConversationListEntry {
  conversationType: number;
  targetId: string;
  busChannel?: string;
  latestMessage: MessageView;
  unreadCount: number;
  /** The user's push setting for the conversation, else for its type (0: default). */
  unpushLevel: number;
  /** Pinned by the user (`/conversation/top/set.json`); pinned conversations come first. */
  isTop: boolean;
}

/**
 * Read positions and the conversation list (PROTOCOL.md `read`, `conversations`), both
 * kept on the server so that every device, and a reinstalled one, sees the same list,
 * latest messages and unread counts.
 */
export class ConversationListService {
  constructor(
    private readonly store: ConversationStore,
    private readonly access: ConversationAccess,
    private readonly history: HistoryService,
    private readonly delivery: DeliveryService,
    private readonly permissions: PermissionService,
    private readonly clock: Clock,
  ) {}

  async list(app: App, userId: string, limit: number): Promise<ConversationListEntry[]> {
    const now = this.clock.now();
    const [summaries, mutes] = await Promise.all([
      this.store.list(app.appKey, userId, {
        limit,
        privateGroupNotBefore: app.features.historyPrivateGroup ? retentionCutoff(app, conversationTypes.private, now) : Number.MAX_SAFE_INTEGER,
        ultraGroupNotBefore: retentionCutoff(app, conversationTypes.ultraGroup, now),
        maxUnread,
      }),
      this.permissions.listMutes(app, userId),
    ]);
    const latest = await this.history.views(app, summaries.map((s) => ({ row: s.latest, targetId: s.targetId })));
    return summaries.map((summary, i) => ({
      conversationType: summary.conversationType,
      targetId: summary.targetId,
      ...(summary.conversationType === conversationTypes.ultraGroup && { busChannel: summary.busChannel }),
      latestMessage: latest[i]!,
      unreadCount: summary.unreadCount,
      unpushLevel: muteLevel(mutes, summary),
      isTop: summary.pinned,
    }));
  }

  /** `/conversation/top/set.json`: the app backend pins any conversation of the user. */
  async setPinned(app: App, userId: string, name: ConversationName, pinned: boolean): Promise<void> {
    await this.store.setPinned(app.appKey, userId, conversationRef(userId, name), pinned);
  }

  /**
   * Moves the user's read position forward (never back) and tells the user's other
   * devices with RC:SRSMsg, as RongCloud's read-status sync does.
   */
  async markRead(app: App, origin: SendOrigin, userId: string, name: ConversationName, lastReadTime: number): Promise<{ messageUId: string; sentTime: number }> {
    if (name.conversationType === conversationTypes.chatroom) throw new ParleyError('badParameter', 'conversationType: chatrooms have no read position');
    const ref = await this.access.refFor(app, userId, name);
    const now = this.clock.now();
    // A position never moves back, so one in the future would hide every later message's unread for good.
    const readTime = Math.min(lastReadTime, now);
    await this.store.markRead(app.appKey, userId, ref, readTime);
    const content = JSON.stringify({ lastMessageSendTime: readTime });
    const { flags } = resolveMessage({ objectName: readSyncType, content });
    const sender = await this.delivery.senderProfile(app, userId);
    const view = this.delivery.view(
      { fromUserId: userId, objectName: readSyncType, busChannel: ref.busChannel, sender, now, flags },
      { messageUId: createMessageUId(now), conversationType: ref.conversationType as MessageView['conversationType'], targetId: ref.targetId, content: { content } },
    );
    await this.delivery.commit(app, [{ userId, view, toInbox: true, ...skipSender(origin) }], [], now);
    return { messageUId: view.messageUId, sentTime: now };
  }
}

/** The read position an RC:SRSMsg content carries (`lastMessageSendTime`, ms); 1002 without one. */
export function readSyncTime(content: string): number {
  let time: unknown;
  try {
    time = (JSON.parse(content) as { lastMessageSendTime?: unknown } | null)?.lastMessageSendTime;
  } catch {
    // refused below like any other content without the field
  }
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) {
    throw new ParleyError('badParameter', 'content: RC:SRSMsg requires "lastMessageSendTime" (ms)');
  }
  return time;
}

function muteLevel(mutes: readonly MuteRow[], c: { conversationType: number; targetId: string; busChannel: string }): number {
  const exact = mutes.find((m) => m.conversationType === c.conversationType && m.targetId === c.targetId && m.busChannel === c.busChannel);
  return (exact ?? mutes.find((m) => m.conversationType === c.conversationType && m.targetId === ''))?.unpushLevel ?? 0;
}
