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

/** What an hour's row holds. */
export interface HistoryExportState {
  /** `ready`: the file is stored; `deleted`: `/message/history/delete.json` dropped it or, for an hour never exported, forbade it. */
  status: 'ready' | 'deleted';
  /**
   * Epoch ms the row was written: when the file was made (a later delete keeps it), or
   * when an hour never exported was deleted. The retention sweeper removes the row three
   * days after it.
   */
  createdAt: number;
}

/**
 * The rows of the hourly history files, read and written through one connection or
 * transaction (history-exports.sql.ts).
 */
export interface HistoryExportRecords {
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

/**
 * The hourly history files of `/message/history.json` (Postgres or PGlite, one SQL
 * implementation), stored in the database so that any node can serve them. An hour is
 * `yyyyMMddHH` in the app's timezone; rows older than three days are removed by the
 * retention sweeper, tombstones included.
 */
export interface HistoryExportStore extends HistoryExportRecords {
  /**
   * Runs `work` in one transaction holding the lock of the app's hour, which every node
   * sharing the database honours: a second caller for the same hour waits until the
   * first's work is committed (or rolled back), then runs its own and sees what the
   * first stored. `work` reads and writes through the records it is given, on that
   * transaction; it is rolled back when `work` throws. Deletes do not take the lock.
   */
  withHourLock<T>(appKey: string, hour: string, work: (records: HistoryExportRecords) => Promise<T>): Promise<T>;
}
