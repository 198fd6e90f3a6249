import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallbackEventStore, NewCallbackEvent } from '../../src/store/callback-events.js';
import { createSqlCallbackEventStore } from '../../src/store/callback-events.sql.js';
import { migrate } from '../../src/store/migrate.js';
import { testStores, type TestStores } from '../helpers/stores.js';

/** Owed callbacks (migrations 0011, 0015) on PGlite and on Postgres: which are due, in what order. */
let stores: TestStores;
let events: CallbackEventStore;
beforeAll(async () => {
  stores = await testStores();
  const sql = await stores.sql();
  await migrate(sql);
  events = createSqlCallbackEventStore(sql);
});
afterAll(() => stores.close());

const routed = (conversation: string, n: number, createdAt = 1_000): NewCallbackEvent => ({
  dedupeKey: `${conversation}-${n}`,
  kind: 'message.routed',
  conversation,
  createdAt,
  payload: { n },
});
const ids = (list: ReadonlyArray<{ dedupeKey: string }>) => list.map((e) => e.dedupeKey);

describe('callback event store: due', () => {
  it('hands out each conversation\'s oldest events up to its share, oldest first over all, within the limit', async () => {
    await events.add('due-a', [routed('c1', 1), routed('c2', 1), routed('c1', 2), routed('c1', 3), routed('c3', 1), routed('c2', 2)]);
    expect(ids(await events.due('due-a', ['message.routed'], 2_000, 2, 100))).toEqual(['c1-1', 'c2-1', 'c1-2', 'c3-1', 'c2-2']);
    expect(ids(await events.due('due-a', ['message.routed'], 2_000, 2, 3))).toEqual(['c1-1', 'c2-1', 'c1-2']);
    // Another app's and other kinds' events are not handed out.
    expect(await events.due('due-other', ['message.routed'], 2_000, 2, 100)).toEqual([]);
    expect(await events.due('due-a', ['user.online'], 2_000, 2, 100)).toEqual([]);
  });

  it('holds a whole conversation back while its head waits for a retry, and skips what is settled', async () => {
    await events.add('due-b', [routed('c1', 1), routed('c1', 2), routed('c2', 1), routed('c3', 1)]);
    const [c1Head, , c2Head] = await events.due('due-b', ['message.routed'], 2_000, 10, 100);
    await events.settle('due-b', [
      { id: c1Head!.id, state: 'pending', attempts: 1, nextAt: 5_000, lastError: 'no answer', deliveredAt: 0 },
      { id: c2Head!.id, state: 'delivered', attempts: 1, nextAt: 0, lastError: '', deliveredAt: 2_000 },
    ]);
    expect(ids(await events.due('due-b', ['message.routed'], 2_000, 10, 100))).toEqual(['c3-1']);
    expect(ids(await events.due('due-b', ['message.routed'], 5_000, 10, 100))).toEqual(['c1-1', 'c1-2', 'c3-1']);
  });

  it('reads past a long backlog of one conversation to the others\' heads', async () => {
    const backlog = Array.from({ length: 2_000 }, (_, i) => routed('busy', i));
    await events.add('due-c', [...backlog, routed('quiet', 1)]);
    expect(ids(await events.due('due-c', ['message.routed'], 2_000, 3, 100))).toEqual(['busy-0', 'busy-1', 'busy-2', 'quiet-1']);
  });
});

describe('callback event store: newest', () => {
  it('answers the app\'s last events in id order, whatever their state', async () => {
    await events.add('new-a', [routed('c1', 1), routed('c2', 1), routed('c1', 2), routed('c3', 1)]);
    await events.add('new-other', [routed('c9', 1)]);
    expect(ids(await events.newest('new-a', 3))).toEqual(['c2-1', 'c1-2', 'c3-1']);
    expect(ids(await events.newest('new-a', 10))).toEqual(['c1-1', 'c2-1', 'c1-2', 'c3-1']);
    expect(await events.newest('new-none', 10)).toEqual([]);
  });
});
