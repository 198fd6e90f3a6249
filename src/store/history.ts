import type { NewCallbackEvent } from './callback-events.js';
import type { AppendItem } from './inbox.js';

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
  /** Sent with `expansion`: key/values may be set on it (docs/server-api.md "Message expansion"). */
  expansion: boolean;
  /** Key/values it was sent with, JSON text `{"key":{"v":"value","ts":ms}}` (default none). */
  extraContent?: string | undefined;
}

/** A row as read back: with what happened to it since it was written. */
export interface StoredMessage extends HistoryRow {
  /** Recalled: `objectName` and `content` now hold the recall notice. */
  recalled: boolean;
  /** Expansion key/values as JSON text (`{"key":{"v":"value","ts":ms}}`). */
  extraContent: string;
}

/** What a recalled row shows instead of the original (the RC:RcNtf notice). */
export interface RecallNotice {
  objectName: string;
  content: string;
}

/** The inbox entries a committed send still owes (see `HistoryStore.commit`). */
export interface OutboxEntry {
  /** Unique per send (its stamp). */
  sendId: string;
  /** Epoch ms it is committed at (the committer's clock: the relay compares it with its own). */
  createdAt: number;
  appends: readonly AppendItem[];
  /** The push planner's record of the pushes still to plan (opaque here); kept until they are planned. */
  pushPlans?: string | undefined;
}

/**
 * Cloud history (Postgres or PGlite, one SQL implementation).
 * - `commit` writes a send's rows and, when given, its outbox entry and the callbacks it owes
 *   the app backend in one statement (one transaction): all or nothing. A row or entry whose id already exists is left as is,
 *   so a retry of a send that may have committed writes nothing twice.
 * - Concurrent commits share statements (group commit); a row the database refuses fails
 *   only the commit it belongs to.
 * - `outboxDone` deletes a committed entry once its appends are made (and its pushes
 *   planned, when it owes some); it never fails the
 *   caller (it is folded into a later statement, or retried).
 */
export interface HistoryStore {
  commit(appKey: string, rows: readonly HistoryRow[], outbox?: OutboxEntry, callbacks?: readonly NewCallbackEvent[]): Promise<void>;
  outboxDone(appKey: string, sendId: string): void;
  /**
   * Newest first, strictly before `before` in (sentTime, messageUId) order (one index
   * range scan; stable under concurrent inserts). `hideUnechoedFrom`: leave out that
   * user's own server-API sends that were not echoed (the sender-visibility rule).
   */
  page(appKey: string, query: HistoryQuery): Promise<StoredMessage[]>;
  /** Oldest first, `from` < sentTime (or ≤ with `includeFrom`) ≤ `until`. */
  range(appKey: string, query: HistoryRange): Promise<StoredMessage[]>;
  find(appKey: string, messageUId: string): Promise<StoredMessage | undefined>;
  /** Marks the row recalled and shows `notice` in its place; its expansion key/values go too. */
  recall(appKey: string, messageUId: string, notice: RecallNotice): Promise<void>;
  /** Replaces the row's content unless it is recalled (checked in the same statement); false when not replaced. */
  modify(appKey: string, messageUId: string, content: string): Promise<boolean>;
  /** Deletes a conversation's rows older than `before` (a chatroom's shared history cleared). */
  deleteBefore(appKey: string, conversation: ConversationOfRows, before: number): Promise<void>;
  /**
   * Group sequence numbers (Tencent IM's MsgSeq): `commit` numbers each group's rows 1, 2, 3…
   * in the order the commits reach the database, in (sentTime, messageUId) order within one.
   * A number is never given twice; one whose row is not there (a retried commit's row already
   * stored, a row deleted since) stays a hole.
   */
  groupSeqs: GroupSeqQueries;
}

/** A group row with its sequence number. */
export interface SequencedMessage extends StoredMessage {
  groupSeq: number;
}

export interface GroupSeqQueries {
  /** The group's highest number given, 0 before its first. */
  latest(appKey: string, groupId: string): Promise<number>;
  /** The rows numbered `from`…`to` that are stored, highest first. */
  range(appKey: string, groupId: string, from: number, to: number): Promise<SequencedMessage[]>;
  /** The number of one group message (undefined: not a numbered group row); its sent time finds its partition. */
  of(appKey: string, messageUId: string, sentTime: number): Promise<number | undefined>;
}

/** The rows of one conversation. */
export interface ConversationOfRows {
  conversationType: number;
  conversationKey: string;
  busChannel: string;
}

/** Who reads, and what the reader may no longer see. */
interface ReaderFilter {
  /** Leave out this user's own server-API sends that were not echoed (the sender-visibility rule). */
  hideUnechoedFrom?: string | undefined;
  /** Rows older than this (epoch ms) are past retention, or cleared by the reader. */
  notBefore?: number | undefined;
}

export interface HistoryQuery extends ConversationOfRows, ReaderFilter {
  before: { sentTime: number; messageUId: string };
  limit: number;
}

export interface HistoryRange extends ConversationOfRows, ReaderFilter {
  from: number;
  includeFrom: boolean;
  until: number;
  limit: number;
}

export function privateConversationKey(userA: string, userB: string): string {
  return userA < userB ? `${userA}:${userB}` : `${userB}:${userA}`;
}
