import type { HistoryPartition } from '../store/history-retention.js';

/** Partitions exist this many whole months past the current one: a month for the upkeep to have run. */
export const partitionMonthsAhead = 1;

/** Epoch ms of the first instant of the UTC month `offset` months from the one holding `ms`. */
export function monthStart(ms: number, offset = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
}

export interface PartitionChanges {
  /** New partitions, [from, until), in order. */
  create: Array<{ from: number; until: number }>;
  /** Names of partitions to drop. */
  drop: string[];
}

/**
 * What keeps `messages` partitioned (docs/decisions.md "Partitioned history"): one partition per
 * month up to `partitionMonthsAhead` past the current one, contiguous with the newest existing one
 * (a span the upkeep missed, as after a long stop, becomes one partition, so no send time falls
 * between two), and the partitions wholly before `dropBefore` dropped. `dropBefore` is the
 * earliest retention cutoff of every app and type, undefined when nothing may be dropped.
 */
export function partitionChanges(existing: readonly HistoryPartition[], now: number, dropBefore: number | undefined): PartitionChanges {
  const create: PartitionChanges['create'] = [];
  const thisMonth = monthStart(now);
  const coverUntil = monthStart(now, partitionMonthsAhead + 1);
  let cursor = existing.reduce<number | undefined>((top, p) => (top === undefined || p.until > top ? p.until : top), undefined) ?? thisMonth;
  if (cursor < thisMonth) {
    create.push({ from: cursor, until: thisMonth });
    cursor = thisMonth;
  }
  while (cursor < coverUntil) {
    const until = monthStart(cursor, 1);
    create.push({ from: cursor, until });
    cursor = until;
  }
  const drop = dropBefore === undefined ? [] : existing.filter((p) => p.until <= dropBefore).map((p) => p.name);
  return { create, drop };
}
