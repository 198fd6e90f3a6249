import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { headGraceMs, type Inbox, type InboxLimits } from '../../src/store/inbox.js';
import { createMemoryInbox } from '../../src/store/inbox.memory.js';
import { createRedisInbox } from '../../src/store/inbox.redis.js';
import { hashTag, masters, type RedisClient } from '../../src/store/redis-client.js';
import { onRedisCluster, storageMode, testRedis } from '../helpers/storage.js';
import { testStores, type TestStores } from '../helpers/stores.js';

const onRedis = storageMode === 'services';
const T0 = 1_700_000_000_000;
const roomy: InboxLimits = { retentionMs: 86_400_000, cap: 10_000 };

let stores: TestStores;
let redis: RedisClient | undefined;
let admin: RedisClient | undefined;
let inbox: Inbox;
/** A user's inbox key (`inbox` or `inbox-head`) in app A, as inbox.redis.ts names it. */
const keyOf = (family: string, userId: string) => `${stores.storage.redisNamespace}:${family}:${hashTag(admin!, `A:${userId}`)}`;
beforeAll(async () => {
  stores = await testStores();
  if (onRedis) {
    redis = testRedis(stores.storage);
    admin = testRedis(stores.storage);
    inbox = createRedisInbox(redis, stores.storage.redisNamespace, { waitReplicas: stores.storage.redisCluster?.waitReplicas ?? 0, waitTimeoutMs: 5_000 });
  } else {
    inbox = createMemoryInbox();
  }
});
afterAll(async () => {
  await redis?.quit();
  await admin?.quit();
  await stores.close();
});

let users = 0;
const newUser = (label: string) => `${label}-${++users}`;
let uids = 0;
const uid = () => `M-${++uids}`;
const one = (userId: string, payload: string, messageUId = uid()) => [{ userId, payload, messageUId }];
const scriptFlush = () => Promise.all(masters(admin!).map((node) => node.script('FLUSH')));
const seqsOf = (page: { entries: Array<{ seq: number }> }) => page.entries.map((e) => e.seq);

describe(`Inbox contract (${storageMode})`, () => {
  it('starts seq at the creation time and raises it by exactly 1 per entry', async () => {
    const u = newUser('count');
    const created = await inbox.head('A', u, T0);
    expect(created).toEqual({ epoch: expect.any(String), baseSeq: T0, seq: T0, ackedSeq: T0, capTrimmedSeq: 0, capTrimmedAt: 0 });
    expect(created.epoch.length).toBeGreaterThan(0);
    const first = await inbox.append('A', [{ userId: u, payload: 'a', messageUId: uid() }, { userId: u, payload: 'b', messageUId: uid() }], T0 + 10, roomy);
    const second = await inbox.append('A', one(u, 'c'), T0 + 20, roomy);
    expect([...first, ...second]).toEqual([T0 + 1, T0 + 2, T0 + 3].map((seq) => ({ seq, epoch: created.epoch })));
    expect(await inbox.head('A', u, T0 + 30)).toEqual({ ...created, seq: T0 + 3 });

    const v = newUser('count-by-append');
    expect((await inbox.append('A', one(v, 'x'), T0 + 5, roomy))[0]!.seq).toBe(T0 + 6);
    expect(await inbox.head('A', v, T0 + 99)).toMatchObject({ baseSeq: T0 + 5, seq: T0 + 6 });
  });

  it('with dedupeSince, finds the entries of messages already there instead of adding them again', async () => {
    const [a, b] = [newUser('dedupe'), newUser('dedupe')];
    const first = await inbox.append('A', [...one(a, 'x', 'MSG-1'), ...one(b, 'x', 'MSG-1'), ...one(a, 'y', 'MSG-2')], T0 + 10, roomy);
    // A retry of the same send: every item is found, nothing is added.
    const again = await inbox.append('A', [...one(a, 'x', 'MSG-1'), ...one(b, 'x', 'MSG-1'), ...one(a, 'y', 'MSG-2')], T0 + 20, roomy, { dedupeSince: T0 });
    expect(again).toEqual(first);
    // Half there: the missing one is added after what is there.
    const half = await inbox.append('A', [...one(a, 'y', 'MSG-2'), ...one(a, 'z', 'MSG-3')], T0 + 30, roomy, { dedupeSince: T0 });
    const base = first[0]!.seq - 1;
    expect(half.map((r) => r.seq - base)).toEqual([2, 3]);
    expect(seqsOf(await inbox.read('A', a, 0, 10, T0 + 40, roomy)).map((seq) => seq - base)).toEqual([1, 2, 3]);
    // Entries older than dedupeSince are not looked at; without it, none older than the call's own now.
    const b1 = first[1]!.seq;
    expect((await inbox.append('A', one(b, 'x', 'MSG-1'), T0 + 50, roomy, { dedupeSince: T0 + 40 }))[0]!.seq).toBe(b1 + 1);
    expect((await inbox.append('A', one(b, 'x', 'MSG-1'), T0 + 60, roomy))[0]!.seq).toBe(b1 + 2);
  });

  it.runIf(onRedis)('on Redis, the same call run again (the client resends it after a cut connection or a failover) finds what it appended', async () => {
    const u = newUser('resent');
    const items = [...one(u, 'x', 'RESENT-1'), ...one(u, 'y', 'RESENT-2')];
    const first = await inbox.append('A', items, T0 + 10, roomy);
    expect(await inbox.append('A', items, T0 + 10, roomy)).toEqual(first);
    expect((await inbox.append('A', one(u, 'x', 'RESENT-1'), T0 + 11, roomy))[0]!.seq).toBe(first[1]!.seq + 1);
  });

  it('2,000 items of one user in one call are appended in order, and a retry of the call finds every one', async () => {
    const u = newUser('many');
    const items = Array.from({ length: 2_000 }, (_, i) => one(u, `p${i}`, `MANY-${i}`)[0]!);
    const first = await inbox.append('A', items, T0 + 10, roomy);
    expect(first.map((r) => r.seq - first[0]!.seq)).toEqual(items.map((_, i) => i));
    expect(await inbox.append('A', items, T0 + 20, roomy, { dedupeSince: T0 })).toEqual(first);
  });

  it('appends for many users in one call: per-item seqs in order, each user contiguous', async () => {
    const [a, b, c] = [newUser('multi'), newUser('multi'), newUser('multi')];
    const users = [a, b, a, c, b, a] as const;
    const result = await inbox.append('A', users.map((userId, i) => ({ userId, payload: `m${i}`, messageUId: uid() })), T0, roomy);
    expect(result.map((r) => r.seq - T0)).toEqual([1, 1, 2, 1, 2, 3]);
    expect(new Set([result[0]!.epoch, result[2]!.epoch, result[5]!.epoch]).size).toBe(1);
    expect(new Set([result[0]!.epoch, result[1]!.epoch, result[3]!.epoch]).size).toBe(3);
    const more = await inbox.append('A', [{ userId: b, payload: 'm6', messageUId: uid() }, { userId: a, payload: 'm7', messageUId: uid() }], T0 + 1, roomy);
    expect(more.map((r) => r.seq - T0)).toEqual([3, 4]);
    expect((await inbox.read('A', a, 0, 10, T0 + 2, roomy)).entries.map((e) => [e.seq - T0, e.payload])).toEqual([
      [1, 'm0'],
      [2, 'm2'],
      [3, 'm5'],
      [4, 'm7'],
    ]);
    // Inboxes are per app.
    expect((await inbox.append('B', one(a, 'other app'), T0 + 3, roomy))[0]!.seq).toBe(T0 + 4);
    expect(await inbox.append('A', [], T0, roomy)).toEqual([]);
  });

  it('reads entries after a seq, ascending, at most limit, with the oldest seq kept', async () => {
    const u = newUser('read');
    for (let i = 1; i <= 5; i++) await inbox.append('A', one(u, `p${i}`), T0 + i * 100, roomy);
    const base = T0 + 100;
    const page = await inbox.read('A', u, base + 1, 2, T0 + 1000, roomy);
    expect(page).toMatchObject({ baseSeq: base, seq: base + 5, ackedSeq: base, oldestSeq: base + 1 });
    expect(page.entries).toEqual([
      { seq: base + 2, at: T0 + 200, payload: 'p2' },
      { seq: base + 3, at: T0 + 300, payload: 'p3' },
    ]);
    expect(seqsOf(await inbox.read('A', u, 0, 100, T0 + 1000, roomy))).toEqual([1, 2, 3, 4, 5].map((i) => base + i));
    expect((await inbox.read('A', u, base + 5, 100, T0 + 1000, roomy)).entries).toEqual([]);
    expect((await inbox.read('A', u, base, 0, T0 + 1000, roomy)).entries).toEqual([]);

    const fresh = newUser('read-new');
    const empty = await inbox.read('A', fresh, 0, 10, T0 + 7, roomy);
    expect(empty).toEqual({ epoch: expect.any(String), baseSeq: T0 + 7, seq: T0 + 7, ackedSeq: T0 + 7, capTrimmedSeq: 0, capTrimmedAt: 0, oldestSeq: T0 + 8, entries: [] });
    expect((await inbox.head('A', fresh, T0 + 8)).epoch).toBe(empty.epoch);
  });

  it('drops entries older than retentionMs when reading', async () => {
    const u = newUser('age-read');
    const limits = { retentionMs: 1000, cap: 100 };
    for (const at of [T0, T0 + 500, T0 + 900]) await inbox.append('A', one(u, `at${at - T0}`), at, limits);
    expect(seqsOf(await inbox.read('A', u, 0, 10, T0 + 1000, limits))).toEqual([T0 + 1, T0 + 2, T0 + 3]);
    const page = await inbox.read('A', u, 0, 10, T0 + 1001, limits);
    expect(page).toMatchObject({ oldestSeq: T0 + 2, seq: T0 + 3, capTrimmedSeq: 0, capTrimmedAt: 0 });
    expect(seqsOf(page)).toEqual([T0 + 2, T0 + 3]);
    expect(seqsOf(await inbox.read('A', u, 0, 10, T0 + 1600, limits))).toEqual([T0 + 3]);
    // Dropped for good: a read with a longer retention does not bring them back.
    const later = await inbox.read('A', u, 0, 10, T0 + 1600, roomy);
    expect(later).toMatchObject({ oldestSeq: T0 + 3, seq: T0 + 3 });
    expect(seqsOf(later)).toEqual([T0 + 3]);
    const none = await inbox.read('A', u, 0, 10, T0 + 1600, { retentionMs: 100, cap: 100 });
    expect(none).toMatchObject({ oldestSeq: T0 + 4, seq: T0 + 3, entries: [] });
  });

  it('drops entries older than retentionMs when appending', async () => {
    const u = newUser('age-append');
    const limits = { retentionMs: 1000, cap: 100 };
    await inbox.append('A', one(u, 'old'), T0, limits);
    await inbox.append('A', one(u, 'mid'), T0 + 100, limits);
    await inbox.append('A', one(u, 'new'), T0 + 1050, limits);
    const page = await inbox.read('A', u, 0, 10, T0 + 1050, roomy);
    expect(page.entries.map((e) => e.payload)).toEqual(['mid', 'new']);
    expect(page.oldestSeq).toBe(T0 + 2);
    await inbox.append('A', one(u, 'newest'), T0 + 2050, limits);
    const last = await inbox.read('A', u, 0, 10, T0 + 2050, roomy);
    expect(last).toMatchObject({ oldestSeq: T0 + 3, seq: T0 + 4, capTrimmedSeq: 0 });
    expect(last.entries.map((e) => e.payload)).toEqual(['new', 'newest']);
  });

  it('keeps the newest cap entries and remembers the newest one the cap dropped', async () => {
    const u = newUser('cap');
    const limits = { retentionMs: 60_000, cap: 3 };
    await inbox.head('A', u, T0);
    for (let i = 1; i <= 5; i++) await inbox.append('A', one(u, `p${i}`), T0 + i, limits);
    const page = await inbox.read('A', u, 0, 10, T0 + 6, roomy);
    expect(seqsOf(page)).toEqual([T0 + 3, T0 + 4, T0 + 5]);
    expect(page).toMatchObject({ oldestSeq: T0 + 3, seq: T0 + 5, capTrimmedSeq: T0 + 2, capTrimmedAt: T0 + 2 });
    const batch = ['q1', 'q2', 'q3', 'q4'].map((payload) => ({ userId: u, payload, messageUId: uid() }));
    await inbox.append('A', batch, T0 + 10, limits);
    const after = await inbox.read('A', u, 0, 10, T0 + 11, roomy);
    expect(after.entries.map((e) => e.payload)).toEqual(['q2', 'q3', 'q4']);
    expect(after).toMatchObject({ oldestSeq: T0 + 7, seq: T0 + 9, capTrimmedSeq: T0 + 6, capTrimmedAt: T0 + 10 });
    expect(await inbox.head('A', u, T0 + 12)).toMatchObject({ capTrimmedSeq: T0 + 6, capTrimmedAt: T0 + 10 });
  });

  it('acks per device, monotonically, clamped to the newest seq; ackedSeq is the max over devices', async () => {
    const u = newUser('ack');
    await inbox.head('A', u, T0);
    await inbox.append('A', ['1', '2', '3', '4', '5'].map((payload) => ({ userId: u, payload, messageUId: uid() })), T0 + 1, roomy);
    const acked = async () => (await inbox.head('A', u, T0 + 2)).ackedSeq;
    expect(await inbox.cursor('A', u, 'd1')).toBe(0);
    await inbox.ack('A', u, 'd1', T0 + 2);
    expect(await inbox.cursor('A', u, 'd1')).toBe(T0 + 2);
    expect(await acked()).toBe(T0 + 2);
    await inbox.ack('A', u, 'd1', T0 + 1);
    expect(await inbox.cursor('A', u, 'd1')).toBe(T0 + 2);
    await inbox.ack('A', u, 'd2', T0 + 4);
    expect(await acked()).toBe(T0 + 4);
    await inbox.ack('A', u, 'd1', T0 + 3);
    expect(await inbox.cursor('A', u, 'd1')).toBe(T0 + 3);
    expect(await acked()).toBe(T0 + 4);
    await inbox.ack('A', u, 'd2', T0 + 999);
    expect(await inbox.cursor('A', u, 'd2')).toBe(T0 + 5);
    expect(await acked()).toBe(T0 + 5);
    expect(await inbox.cursor('A', u, 'd3')).toBe(0);
    expect((await inbox.read('A', u, 0, 10, T0 + 3, roomy)).ackedSeq).toBe(T0 + 5);
  });

  it('creates the head lazily, then keeps it stable', async () => {
    const u = newUser('head');
    expect(await inbox.cursor('A', u, 'd1')).toBe(0);
    const first = await inbox.head('A', u, T0 + 42);
    expect(first.baseSeq).toBe(T0 + 42);
    expect(await inbox.head('A', u, T0 + 5000)).toEqual(first);
    expect((await inbox.head('A', newUser('head'), T0 + 42)).epoch).not.toBe(first.epoch);
  });

  it('drop deletes one user\'s entries, head and cursors; the next use is a new epoch; others keep theirs', async () => {
    const [u, other] = [newUser('drop'), newUser('drop-other')];
    const old = await inbox.append('A', [...one(u, 'x', 'DROP-1'), ...one(other, 'y', 'DROP-1')], T0, roomy);
    await inbox.ack('A', u, 'd1', T0 + 1);
    await inbox.drop('A', u);
    if (onRedis) expect(await admin!.exists(keyOf('inbox', u), keyOf('inbox-head', u))).toBe(0);
    expect(await inbox.cursor('A', u, 'd1')).toBe(0);
    const fresh = await inbox.read('A', u, 0, 10, T0 + 100, roomy);
    expect(fresh).toMatchObject({ entries: [], baseSeq: T0 + 100, seq: T0 + 100 });
    expect(fresh.epoch).not.toBe(old[0]!.epoch);
    expect((await inbox.read('A', other, 0, 10, T0 + 100, roomy)).entries.map((e) => e.payload)).toEqual(['y']);
    // Nothing of the dropped entries is remembered: the same message is a new entry; the other user's is found.
    const again = await inbox.append('A', [...one(u, 'x', 'DROP-1'), ...one(other, 'y', 'DROP-1')], T0 + 200, roomy, { dedupeSince: T0 });
    expect(again).toEqual([{ seq: T0 + 101, epoch: fresh.epoch }, old[1]]);
  });

  it('keeps the head headGraceMs past the entries, then starts a new epoch with higher seqs and no cursors', async () => {
    const u = newUser('expire');
    const limits = { retentionMs: 1000, cap: 100 };
    const old = await inbox.append('A', ['1', '2', '3'].map((payload) => ({ userId: u, payload, messageUId: uid() })), T0, limits);
    await inbox.ack('A', u, 'd1', T0 + 3);
    const expiry = T0 + 1000 + headGraceMs;
    const quiet = await inbox.read('A', u, 0, 10, T0 + 5000, limits);
    expect(quiet).toMatchObject({ epoch: old[0]!.epoch, entries: [], seq: T0 + 3, oldestSeq: T0 + 4 });
    expect((await inbox.head('A', u, expiry)).epoch).toBe(old[0]!.epoch);
    const renewed = await inbox.head('A', u, expiry + 1);
    expect(renewed).toEqual({ epoch: expect.any(String), baseSeq: expiry + 1, seq: expiry + 1, ackedSeq: expiry + 1, capTrimmedSeq: 0, capTrimmedAt: 0 });
    expect(renewed.epoch).not.toBe(old[0]!.epoch);
    expect(await inbox.cursor('A', u, 'd1')).toBe(0);
    const next = await inbox.append('A', one(u, 'again'), expiry + 2, limits);
    expect(next).toEqual([{ seq: expiry + 2, epoch: renewed.epoch }]);
    expect(next[0]!.seq).toBeGreaterThan(Math.max(...old.map((r) => r.seq)));
  });

  it('gives every one of 200 concurrent appends its own seq, with no gap', async () => {
    const u = newUser('concurrent');
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => inbox.append('A', one(u, `c${i}`), T0, roomy)));
    const seqs = results.map((r) => r[0]!.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => T0 + 1 + i));
    expect(new Set(results.map((r) => r[0]!.epoch)).size).toBe(1);
    const page = await inbox.read('A', u, 0, 500, T0, roomy);
    expect(page.entries.map((e) => e.payload)).toEqual(
      page.entries.map((e) => `c${seqs.indexOf(e.seq)}`),
    );
    expect(page.entries).toHaveLength(200);
  });

  it('appends for 3,000 users in one call, in a bounded number of round trips', async () => {
    const members = Array.from({ length: 3000 }, () => newUser('group'));
    const send = async (userIds: string[], payload: string) => {
      // On a cluster each user is a call of its own (a script touches one slot): not counted.
      const writes = redis && !onRedisCluster ? vi.spyOn((redis as Redis).stream, 'write') : undefined;
      try {
        const result = await inbox.append('A', userIds.map((userId) => ({ userId, payload, messageUId: uid() })), T0, roomy);
        return { result, writes: writes?.mock.calls.length ?? 0 };
      } finally {
        writes?.mockRestore();
      }
    };
    const small = await send(members.slice(0, 3), 'warm-up');
    const big = await send(members, 'hello group');
    expect(big.result).toHaveLength(3000);
    expect(big.result.map((r) => r.seq)).toEqual(members.map((_, i) => (i < 3 ? T0 + 2 : T0 + 1)));
    if (onRedis && !onRedisCluster) {
      expect(big.writes).toBeGreaterThan(0);
      expect(big.writes).toBeLessThanOrEqual(2);
      expect(big.writes).toBeLessThanOrEqual(small.writes + 1);
    }
    const page = await inbox.read('A', members[2999]!, 0, 10, T0, roomy);
    expect(page.entries.map((e) => e.payload)).toEqual(['hello group']);
  });

  it.skipIf(!onRedis)('starts a new epoch above all old seqs after Redis lost the data', async () => {
    const u = newUser('flushed');
    const old = await inbox.append('A', ['1', '2', '3'].map((payload) => ({ userId: u, payload, messageUId: uid() })), T0, roomy);
    await admin!.del(keyOf('inbox', u));
    await admin!.del(keyOf('inbox-head', u));
    const renewed = await inbox.head('A', u, T0 + 100);
    expect(renewed).toMatchObject({ baseSeq: T0 + 100, seq: T0 + 100, ackedSeq: T0 + 100 });
    expect(renewed.epoch).not.toBe(old[0]!.epoch);
    const next = await inbox.append('A', one(u, 'after'), T0 + 101, roomy);
    expect(next[0]!.seq).toBeGreaterThan(T0 + 3);
    expect(seqsOf(await inbox.read('A', u, 0, 10, T0 + 102, roomy))).toEqual([T0 + 101]);

    // Only the head lost (the stream survived): the new epoch still starts above every old seq.
    const v = newUser('head-lost');
    await inbox.append('A', ['1', '2', '3', '4', '5'].map((payload) => ({ userId: v, payload, messageUId: uid() })), T0, roomy);
    await admin!.del(keyOf('inbox-head', v));
    const partial = await inbox.head('A', v, T0 + 2);
    expect(partial.baseSeq).toBe(T0 + 5);
    expect((await inbox.append('A', one(v, 'x'), T0 + 3, roomy))[0]!.seq).toBe(T0 + 6);
    expect(seqsOf(await inbox.read('A', v, 0, 10, T0 + 3, roomy))).toEqual([T0 + 6]);
  });

  it.skipIf(!onRedis)('makes every write expire the user\'s entries after retentionMs and head headGraceMs later, and survives SCRIPT FLUSH', async () => {
    const u = newUser('ttl');
    await inbox.append('A', one(u, 'x'), Date.now(), { retentionMs: 50_000, cap: 10 });
    for (const [key, ttlMs] of [[keyOf('inbox', u), 50_000], [keyOf('inbox-head', u), 50_000 + headGraceMs]] as const) {
      const ttl = await admin!.pttl(key);
      expect(ttl).toBeGreaterThan(ttlMs - 10_000);
      expect(ttl).toBeLessThanOrEqual(ttlMs);
    }
    await scriptFlush();
    const [a, b] = [newUser('noscript'), newUser('noscript')];
    expect((await inbox.append('A', [{ userId: a, payload: '1', messageUId: uid() }, { userId: b, payload: '2', messageUId: uid() }, { userId: a, payload: '3', messageUId: uid() }], T0, roomy)).map((r) => r.seq)).toEqual([T0 + 1, T0 + 1, T0 + 2]);
    await scriptFlush();
    await inbox.ack('A', a, 'd', T0 + 2);
    await scriptFlush();
    expect(await inbox.read('A', a, 0, 10, T0, roomy)).toMatchObject({ ackedSeq: T0 + 2, seq: T0 + 2 });
  });
});
