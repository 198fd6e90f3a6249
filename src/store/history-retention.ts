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
  /**
   * Runs `work` on the history table's partitions in one transaction under a lock shared by
   * every node, when this node gets it at once; resolves undefined when another node holds it
   * (that node does the same work). Changes that wait long for a lock fail the whole call.
   */
  withPartitions<T>(work: (partitions: HistoryPartitions) => Promise<T>): Promise<T | undefined>;
}

/** One range partition of `messages` (migrations/0016_partitioned_history.sql): sent_time in [from, until). */
export interface HistoryPartition {
  name: string;
  /** Epoch ms; undefined for the first partition, which holds every time before `until`. */
  from: number | undefined;
  until: number;
}

export interface HistoryPartitions {
  list(): Promise<HistoryPartition[]>;
  /** A new partition for sent_time in [from, until), named after its first month (UTC). */
  create(from: number, until: number): Promise<void>;
  /** Drops a partition with every row in it. */
  drop(name: string): Promise<void>;
}
