import type { ConversationStore } from '../store/conversations.js';
import type { MuteRow } from '../store/permissions.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import { conversationRef, type ConversationName } from './conversation-access.js';
import { retentionCutoff } from './history-policy.js';
import type { HistoryService } from './history.js';
import { conversationTypes, type MessageView } from '../model/message.js';
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
 * The conversation list (docs/protocol.md `conversations`), kept on the server so that
 * every device, and a reinstalled one, sees the same list, latest messages and unread
 * counts. Read positions are moved by the delivery (`Deliverer.markRead`).
 */
export class ConversationListService {
  constructor(
    private readonly store: ConversationStore,
    private readonly history: HistoryService,
    private readonly permissions: PermissionService,
    private readonly clock: Clock,
  ) {}

  async list(app: App, userId: string, limit: number): Promise<ConversationListEntry[]> {
    const [summaries, mutes] = await Promise.all([this.store.list(app.appKey, userId, this.query(app, limit)), this.permissions.listMutes(app, userId)]);
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

  /**
   * Each user's total unread count over the first `limit` conversations of its list (the
   * iOS badges of a pass of pushes): the list's own counts, in one query for all the users.
   */
  unreadTotals(app: App, userIds: readonly string[], limit: number): Promise<Map<string, number>> {
    return this.store.unreadTotals(app.appKey, userIds, this.query(app, limit));
  }

  private query(app: App, limit: number) {
    const now = this.clock.now();
    return {
      limit,
      privateGroupNotBefore: app.features.historyPrivateGroup ? retentionCutoff(app, conversationTypes.private, now) : Number.MAX_SAFE_INTEGER,
      ultraGroupNotBefore: retentionCutoff(app, conversationTypes.ultraGroup, now),
      maxUnread,
    };
  }

  /** `/conversation/top/set.json`: the app backend pins any conversation of the user. */
  async setPinned(app: App, userId: string, name: ConversationName, pinned: boolean): Promise<void> {
    await this.store.setPinned(app.appKey, userId, conversationRef(userId, name), pinned);
  }
}

function muteLevel(mutes: readonly MuteRow[], c: { conversationType: number; targetId: string; busChannel: string }): number {
  const exact = mutes.find((m) => m.conversationType === c.conversationType && m.targetId === c.targetId && m.busChannel === c.busChannel);
  return (exact ?? mutes.find((m) => m.conversationType === c.conversationType && m.targetId === ''))?.unpushLevel ?? 0;
}
