/** Expansion key/values of one message: `{"key": {"v": "value", "ts": <ms>}}` (docs/server-api.md "Message expansion"). */
export type ExtraContent = Record<string, { v: string; ts: number }>;

/** What expansion needs of a cloud history row. */
export interface ExpandableMessage {
  conversationType: number;
  /** Private: the ordered pair `a:b`; other kinds: the target id (as HistoryRow). */
  conversationKey: string;
  busChannel: string;
  /** Sent with `expansion`: only then may key/values be set on it. */
  expansion: boolean;
  extraContent: ExtraContent;
}

export interface ExpansionEdit {
  /** Keys to add or overwrite. */
  put: ExtraContent;
  /** Keys to remove; absent keys are ignored. */
  remove: readonly string[];
  /** The edit is refused when the message would hold more keys than this afterwards. */
  maxKeys: number;
}

export type ExpansionEditResult = 'changed' | 'tooManyKeys' | 'missing';

/**
 * Expansion key/values on cloud history rows (`messages.extra_content`, Postgres or
 * PGlite, one SQL implementation). Recalled messages count as missing.
 */
export interface MessageExpansionStore {
  /** The message, or undefined when cloud history holds no such message of the app. */
  find(appKey: string, messageUId: string): Promise<ExpandableMessage | undefined>;
  /**
   * Applies `edit` atomically (the row locked meanwhile): the key/values become the current ones plus
   * `put`, minus `remove`, unless that would exceed `maxKeys` (then nothing changes).
   * Concurrent edits of one message serialize on its row, so none loses another's keys.
   */
  edit(appKey: string, messageUId: string, edit: ExpansionEdit): Promise<ExpansionEditResult>;
}
