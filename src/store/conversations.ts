import type { ConversationOfRows, StoredMessage } from './history.js';

/** One conversation as one user sees it, and where its rows are (`conversationKey`). */
export interface ConversationRef extends ConversationOfRows {
  targetId: string;
}

export interface ConversationState {
  /** Messages sent at or before this (epoch ms) are read. */
  readTime: number;
  /** Messages sent before this are cleared for this user (0: none). */
  clearedBefore: number;
}

export interface ConversationSummary {
  conversationType: number;
  targetId: string;
  busChannel: string;
  latest: StoredMessage;
  /** Counted messages of others after the read position, at most `maxUnread`. */
  unreadCount: number;
  /** Pinned by the user (`/conversation/top/set.json`). */
  pinned: boolean;
}

export interface ConversationListQuery {
  limit: number;
  /** Rows older than this are past retention: private, group and system rows. */
  privateGroupNotBefore: number;
  /** The same for ultra group rows. */
  ultraGroupNotBefore: number;
  /** Counting stops here: a long-unread conversation costs no more than this many rows. */
  maxUnread: number;
}

/**
 * Per-user conversation state (SQL, Postgres or PGlite): read positions and clears that
 * only move forward, and the conversation list derived from cloud history, membership
 * and these positions.
 */
export interface ConversationStore {
  state(appKey: string, userId: string, ref: ConversationRef): Promise<ConversationState>;
  /** Moves the read position forward to `readTime` (never back). */
  markRead(appKey: string, userId: string, ref: ConversationRef, readTime: number): Promise<void>;
  /** Hides this user's rows before `before` (never un-hides); also marks them read. */
  clear(appKey: string, userId: string, ref: ConversationRef, before: number): Promise<void>;
  /** Pins or unpins the conversation for the user. */
  setPinned(appKey: string, userId: string, ref: ConversationRef, pinned: boolean): Promise<void>;
  /**
   * The user's private, system, group and ultra group conversations that have a message
   * the user can see: pinned ones first, each part newest first.
   */
  list(appKey: string, userId: string, query: ConversationListQuery): Promise<ConversationSummary[]>;
  /** For each user, the sum of the unread counts of what `list` answers it (the iOS badges of many pushes in one query). */
  unreadTotals(appKey: string, userIds: readonly string[], query: ConversationListQuery): Promise<Map<string, number>>;
}
