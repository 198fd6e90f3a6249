/** One message as stored in cloud history. */
export interface HistoryRow {
  conversationType: number;
  /** Private: the ordered pair `a:b` (a < b); other kinds: the target id. */
  conversationKey: string;
  busChannel: string;
  sentTime: number;
  messageUId: string;
  fromUserId: string;
  targetId: string;
  objectName: string;
  content: string;
  senderVisible: boolean;
  /** Raises the unread count of the other party (RongCloud's isCounted). */
  counted: boolean;
  /** Sent with `expansion`: key/values may be set on it (SERVER-API.md §12). */
  expansion: boolean;
}

/**
 * Cloud history (Postgres or PGlite, one SQL implementation). `insert` writes all rows
 * of a send in one statement; a row whose messageUId already exists is left as is
 * (retries are harmless).
 */
export interface HistoryStore {
  insert(appKey: string, rows: readonly HistoryRow[]): Promise<void>;
  /**
   * Newest first, strictly before `before` in (sentTime, messageUId) order (one index
   * range scan; stable under concurrent inserts). `hideUnechoedFrom`: leave out that
   * user's own server-API sends that were not echoed (the sender-visibility rule).
   */
  page(appKey: string, query: HistoryQuery): Promise<HistoryRow[]>;
}

export interface HistoryQuery {
  conversationType: number;
  conversationKey: string;
  busChannel: string;
  before: { sentTime: number; messageUId: string };
  limit: number;
  hideUnechoedFrom?: string;
  /** Rows older than this (epoch ms) are past retention and not returned. */
  notBefore?: number;
}

export function privateConversationKey(userA: string, userB: string): string {
  return userA < userB ? `${userA}:${userB}` : `${userB}:${userA}`;
}
