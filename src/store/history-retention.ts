/**
 * Deletes cloud history past retention (Postgres or PGlite, one SQL implementation).
 * Every call is one short statement that locks only the rows it deletes, so a sweep
 * never holds up sends or reads. Deleting is idempotent: several nodes may sweep at
 * once, and rows another sweep holds are skipped rather than waited for.
 */
export interface HistoryRetentionStore {
  /**
   * Deletes at most `batchSize` messages of one app and conversation type sent before
   * `cutoffMs` (epoch ms), oldest first, and returns how many it deleted. Fewer than
   * `batchSize` means none were left, or the rest are being deleted by another sweep.
   */
  deleteMessageBatch(appKey: string, conversationType: number, cutoffMs: number, batchSize: number): Promise<number>;
  /** Deletes the hourly history files of every app created before `cutoffMs`; returns how many. */
  deleteExportsOlderThan(cutoffMs: number): Promise<number>;
}
