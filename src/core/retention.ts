import type { HistoryRetentionStore } from '../store/history-retention.js';
import type { AppRegistry } from './apps.js';
import type { Clock } from '../model/clock.js';
import { retentionCutoff } from './history-policy.js';
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
}

export interface RetentionFailure {
  appKey?: string;
  conversationType?: ConversationType;
}

/**
 * Deletes cloud history past each app's retention, per conversation type, in batches,
 * and hourly history files past 3 days. Several nodes may sweep at once: deletes are
 * idempotent and skip rows another sweep holds, so concurrent passes only share work.
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

  private async pass(): Promise<RetentionCounts> {
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
    return { messages, exports };
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
