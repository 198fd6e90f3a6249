import type { OutboxEntry } from './history.js';

/** An outbox entry as the relay takes it. */
export interface StaleOutboxEntry extends OutboxEntry {
  appKey: string;
  /** Epoch ms it was committed. */
  createdAt: number;
}

/**
 * The relay's view of the inbox outbox (written by `HistoryStore.commit`), SQL only.
 * - `takeStale` hands out entries committed more than `staleMs` ago and not taken in the
 *   last `staleMs`, marking them taken: relays on several nodes never take one at once, and
 *   an entry taken by a relay that died is handed out again after `staleMs`.
 * - `remove` deletes entries whose appends are made.
 */
export interface OutboxStore {
  takeStale(now: number, staleMs: number, limit: number): Promise<StaleOutboxEntry[]>;
  remove(entries: ReadonlyArray<{ appKey: string; sendId: string }>): Promise<void>;
}
