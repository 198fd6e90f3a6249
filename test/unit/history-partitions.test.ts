import { describe, expect, it } from 'vitest';
import { monthStart, partitionChanges } from '../../src/core/history-partitions.js';

/** What the upkeep changes in `messages`' monthly partitions (src/core/history-partitions.ts). */
const at = (y: number, m: number, d = 1) => Date.UTC(y, m - 1, d);
const part = (name: string, from: number | undefined, until: number) => ({ name, from, until });

describe('partition changes', () => {
  it('months start in UTC', () => {
    expect(monthStart(at(2027, 1, 31) + 86_399_999)).toBe(at(2027, 1));
    expect(monthStart(at(2027, 12, 5), 1)).toBe(at(2028, 1));
    expect(monthStart(at(2027, 1, 5), -1)).toBe(at(2026, 12));
  });

  it('covers this month and the next, contiguous with the newest partition', () => {
    const existing = [part('messages_legacy', undefined, at(2027, 3))];
    expect(partitionChanges(existing, at(2027, 3, 10), undefined).create).toEqual([
      { from: at(2027, 3), until: at(2027, 4) },
      { from: at(2027, 4), until: at(2027, 5) },
    ]);
    expect(partitionChanges([...existing, part('p', at(2027, 3), at(2027, 5))], at(2027, 3, 10), undefined).create).toEqual([]);
  });

  it('a span the upkeep missed becomes one partition, so no send time falls between two', () => {
    const existing = [part('messages_legacy', undefined, at(2027, 3))];
    expect(partitionChanges(existing, at(2028, 1, 2), undefined).create).toEqual([
      { from: at(2027, 3), until: at(2028, 1) },
      { from: at(2028, 1), until: at(2028, 2) },
      { from: at(2028, 2), until: at(2028, 3) },
    ]);
  });

  it('drops the partitions that end at or before the earliest cutoff, and none without one', () => {
    const existing = [part('messages_legacy', undefined, at(2027, 3)), part('messages_p202703', at(2027, 3), at(2027, 4)), part('messages_p202704', at(2027, 4), at(2027, 5))];
    expect(partitionChanges(existing, at(2027, 4, 20), at(2027, 4)).drop).toEqual(['messages_legacy', 'messages_p202703']);
    expect(partitionChanges(existing, at(2027, 4, 20), at(2027, 4) - 1).drop).toEqual(['messages_legacy']);
    expect(partitionChanges(existing, at(2027, 4, 20), undefined).drop).toEqual([]);
  });
});
