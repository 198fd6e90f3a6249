import type { HistoryRetentionStore } from '../store/history-retention.js';
import type { AppRegistry } from './apps.js';
import type { Clock } from '../model/clock.js';
import { retentionCutoff } from './history-policy.js';
import { partitionChanges } from './history-partitions.js';
import { conversationTypes, type ConversationType } from '../model/message.js';

const dayMs = 86_400_000;

/** RongCloud keeps the hourly history files 3 days. */
export const exportRetentionMs = 3 * dayMs;

/** Reads already hide expired rows (HistoryService), so the sweep only has to keep up, not be prompt. */
export const retentionSweepIntervalMs = 10 * 60_000;

/** Rows per DELETE: small enough that each statement is short and locks little. */
export const defaultRetentionBatchSize = 5_000;

/** Every kind with history; each is swept to its own retention (retentionCutoff, the rule reads apply too). */
const sweptTypes = Object.values(conversationTypes);

export interface RetentionCounts {
  /** Messages deleted, by conversation type. */
  messages: Record<ConversationType, number>;
  /** Hourly history files deleted. */
  exports: number;
  /** Monthly history partitions dropped whole (their rows are not counted in `messages`). */
  partitionsDropped: number;
}

export interface RetentionFailure {
  appKey?: string;
  conversationType?: ConversationType;
}

/**
 * Deletes cloud history past each app's retention: first the monthly partitions past every
 * app's and type's retention, whole, then per app and conversation type in batches (within the
 * partitions left, so only around each cutoff), and hourly history files past 3 days. The same
 * pass creates the partitions ahead. Several nodes may sweep at once: partitions are changed by
 * whichever holds their lock, deletes are idempotent and skip rows another sweep holds, so
 * concurrent passes only share work.
 * A failure is reported and the pass goes on with the next app and type; the next pass
 * retries what was left.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<RetentionCounts> | undefined;
  private stopped = false;

  constructor(
    private readonly store: HistoryRetentionStore,
    private readonly apps: AppRegistry,
    private readonly clock: Clock,
    private readonly onError: (err: unknown, failure: RetentionFailure) => void,
    private readonly batchSize = defaultRetentionBatchSize,
  ) {}

  /**
   * Sweeps every `intervalMs`, the first time one interval after start (so a process
   * that only starts, as a test does, never sweeps). The timer does not keep the process
   * alive, and the next pass is timed from the end of the previous one, so passes never overlap.
   */
  start(intervalMs: number): void {
    this.stopped = false;
    const schedule = () => {
      this.timer = setTimeout(() => {
        void this.sweep().then(() => {
          if (!this.stopped) schedule();
        });
      }, intervalMs);
      this.timer.unref();
    };
    schedule();
  }

  /** Stops the timer and waits for a pass in progress, which ends after its current statement. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  /** One full pass over every app and type (deleting nothing once stopped); a pass asked for while one runs starts after it. Never rejects. */
  sweep(): Promise<RetentionCounts> {
    const pass = (this.inFlight ?? Promise.resolve()).then(() => this.pass());
    this.inFlight = pass;
    return pass;
  }

  /**
   * Creates the partitions ahead and drops those past every retention, when no other node is
   * at it; returns how many it dropped. Run once at boot too, before any send: a send time
   * without a partition fails. Never rejects.
   */
  async upkeepPartitions(): Promise<number> {
    const now = this.clock.now();
    const apps = this.apps.all();
    const cutoffs = apps.flatMap((app) => sweptTypes.map((type) => retentionCutoff(app, type, now)));
    const dropBefore = cutoffs.length === 0 || this.stopped ? undefined : Math.min(...cutoffs);
    try {
      const dropped = await this.store.withPartitions(async (partitions) => {
        const changes = partitionChanges(await partitions.list(), now, dropBefore);
        for (const { from, until } of changes.create) await partitions.create(from, until);
        for (const name of changes.drop) await partitions.drop(name);
        return changes.drop.length;
      });
      return dropped ?? 0;
    } catch (err) {
      this.onError(err, {});
      return 0;
    }
  }

  private async pass(): Promise<RetentionCounts> {
    const partitionsDropped = await this.upkeepPartitions();
    const now = this.clock.now();
    const messages: Record<ConversationType, number> = { 1: 0, 3: 0, 4: 0, 6: 0, 10: 0 };
    for (const app of this.apps.all()) {
      for (const conversationType of sweptTypes) {
        messages[conversationType] += await this.deleteExpired(app.appKey, conversationType, retentionCutoff(app, conversationType, now));
      }
    }
    let exports = 0;
    try {
      if (!this.stopped) exports = await this.store.deleteExportsOlderThan(now - exportRetentionMs);
    } catch (err) {
      this.onError(err, {});
    }
    return { messages, exports, partitionsDropped };
  }

  /** Batch after batch until one comes back short: each statement stays short however large the backlog. */
  private async deleteExpired(appKey: string, conversationType: ConversationType, cutoffMs: number): Promise<number> {
    let total = 0;
    try {
      while (!this.stopped) {
        const deleted = await this.store.deleteMessageBatch(appKey, conversationType, cutoffMs, this.batchSize);
        total += deleted;
        if (deleted < this.batchSize) break;
      }
      return total;
    } catch (err) {
      this.onError(err, { appKey, conversationType });
      return total;
    }
  }
}
