/** A cloud-history row as an hourly history file shows it. */
export interface ExportedMessage {
  conversationType: number;
  sentTime: number;
  messageUId: string;
  fromUserId: string;
  targetId: string;
  busChannel: string;
  objectName: string;
  content: string;
}

/** A page of one app's cloud history in (sentTime, messageUId) order. */
export interface HistoryPageRequest {
  /** Rows strictly after this position; a messageUId of '' starts at `sentTime` itself. */
  after: { sentTime: number; messageUId: string };
  /** Rows sent before this instant (epoch ms) only. */
  until: number;
  /** The conversation types to read (each is one range scan of `messages_by_age`). */
  conversationTypes: readonly number[];
  limit: number;
}

/** `ready`: the file is stored; `deleted`: it was, and `/message/history/delete.json` dropped it. */
export type HistoryExportState = 'ready' | 'deleted';

/**
 * The hourly history files of `/message/history.json` (Postgres or PGlite, one SQL
 * implementation), stored in the database so that any node can serve them. An hour is
 * `yyyyMMddHH` in the app's timezone; rows older than three days are removed by the
 * retention sweeper, tombstones included.
 */
export interface HistoryExportStore {
  /**
   * At most `limit` messages of the app, oldest first in (sentTime, messageUId) order,
   * after `after` and before `until`. Each call is bounded work however busy the span.
   */
  messagesPage(appKey: string, page: HistoryPageRequest): Promise<ExportedMessage[]>;
  /** What is stored for the hour, without reading the file; undefined when nothing is. */
  state(appKey: string, hour: string): Promise<HistoryExportState | undefined>;
  /**
   * Stores the hour's zip unless the hour already has a row (a concurrent first export
   * or a tombstone): the first row stays.
   */
  saveIfAbsent(appKey: string, hour: string, createdAt: number, archive: Uint8Array): Promise<void>;
  /** The hour's zip; undefined when it was never made or was deleted. */
  archive(appKey: string, hour: string): Promise<Uint8Array | undefined>;
  /**
   * Drops the hour's zip and keeps the row as a tombstone, so the hour is not exported
   * again; an hour never exported gets a tombstone too. Idempotent.
   */
  markDeleted(appKey: string, hour: string, at: number): Promise<void>;
}
