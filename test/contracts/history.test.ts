import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryRow } from '../../src/store/history.js';
import { createSqlHistoryStore } from '../../src/store/history.sql.js';
import { createSqlOutboxStore } from '../../src/store/outbox.sql.js';
import { migrate } from '../../src/store/migrate.js';
import type { SqlClient } from '../../src/store/sql.js';
import { testStores, type TestStores } from '../helpers/stores.js';

let stores: TestStores;
let sql: SqlClient;
beforeAll(async () => {
  stores = await testStores();
  sql = await stores.sql();
  await migrate(sql);
});
afterAll(() => stores.close());

const row = (n: number, sentTime = 1000 + n): HistoryRow => ({
  conversationType: 1,
  conversationKey: 'a:b',
  busChannel: '',
  sentTime,
  messageUId: `M-${String(n).padStart(5, '0')}`,
  fromUserId: n % 2 ? 'a' : 'b',
  targetId: n % 2 ? 'b' : 'a',
  objectName: 'RC:TxtMsg',
  content: `{"content":"${n}"}`,
  senderVisible: n % 3 !== 0,
  counted: true,
  expansion: false,
});

describe('HistoryStore (SQL)', () => {
  it('a row the database refuses fails only its own send, not the others sharing its statement', async () => {
    const history = createSqlHistoryStore(sql);
    // The first insert runs alone; the rest queue behind it and share the next statement.
    const first = history.commit('R1', [row(1)]);
    const refused = history.commit('R2', [{ ...row(2), content: 'a\u0000b' }]);
    const others = Array.from({ length: 20 }, (_, i) => history.commit(`R${3 + i}`, [row(3 + i)]));
    await expect(refused).rejects.toThrow();
    await expect(Promise.all([first, ...others])).resolves.toBeDefined();
    const count = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE app_key LIKE 'R%'");
    expect(count.rows[0]!.n).toBe(21);
  });

  it('commits rows and their outbox entry together, or neither; a finished entry is deleted; the relay takes stale ones once', async () => {
    const history = createSqlHistoryStore(sql);
    const outbox = createSqlOutboxStore(sql);
    const appends = [
      { userId: 'a', payload: '1{"x":1}', messageUId: 'M-OUT-1' },
      { userId: 'b', payload: '1{"x":1}', messageUId: 'M-OUT-1' },
    ];
    const now = 1_800_000_000_000;
    await history.commit('O', [row(900)], { sendId: 'send-1', createdAt: now, appends });
    // A refused row takes its outbox entry with it.
    await expect(history.commit('O', [{ ...row(901), content: 'a\u0000b' }], { sendId: 'send-2', createdAt: now, appends })).rejects.toThrow();
    expect(await outbox.takeStale(now, 60_000, 10)).toEqual([]);
    const stale = await outbox.takeStale(now + 60_001, 60_000, 10);
    expect(stale).toEqual([{ appKey: 'O', sendId: 'send-1', createdAt: now, appends }]);
    // Taken: not handed out again until its taking is stale too.
    expect(await outbox.takeStale(now + 60_002, 60_000, 10)).toEqual([]);
    expect(await outbox.takeStale(now + 120_003, 60_000, 10)).toHaveLength(1);
    await outbox.remove(stale);
    expect(await outbox.takeStale(now + 999_999, 60_000, 10)).toEqual([]);

    // The normal path: committed, appended, then the entry is deleted in a later statement.
    await history.commit('O', [], { sendId: 'send-3', createdAt: now, appends });
    history.outboxDone('O', 'send-3');
    await expect.poll(async () => (await sql.query("SELECT 1 FROM inbox_outbox WHERE app_key = 'O'")).rows.length).toBe(0);
    // A retry of a committed send writes nothing twice.
    await history.commit('O', [row(900)], { sendId: 'send-1', createdAt: now, appends });
    expect((await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE app_key = 'O'")).rows[0]!.n).toBe(1);
  });

  it('group-commits concurrent inserts into fewer statements, losing none', async () => {
    let inserts = 0;
    const counting: SqlClient = { ...sql, query: (text, params) => ((inserts += /^\s*(INSERT|WITH)/.test(text) ? 1 : 0), sql.query(text, params)) };
    const history = createSqlHistoryStore(counting);
    await Promise.all(Array.from({ length: 200 }, (_, i) => history.commit('G', [row(i)])));
    const count = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE app_key = 'G'");
    expect(count.rows[0]!.n).toBe(200);
    expect(inserts).toBeLessThan(200);
    expect(inserts).toBeGreaterThan(0);
  });

  it('pages newest first by (sentTime, messageUId) without skipping or repeating across equal times and concurrent inserts', async () => {
    const history = createSqlHistoryStore(sql);
    await history.commit('P', Array.from({ length: 30 }, (_, i) => row(i, 5000 + Math.floor(i / 10))));
    const seen: string[] = [];
    let before = { sentTime: Number.MAX_SAFE_INTEGER, messageUId: '' };
    for (let page = 0; page < 10; page++) {
      const rows = await history.page('P', { conversationType: 1, conversationKey: 'a:b', busChannel: '', before, limit: 7 });
      if (rows.length === 0) break;
      seen.push(...rows.map((r) => r.messageUId));
      const last = rows[rows.length - 1]!;
      before = { sentTime: last.sentTime, messageUId: last.messageUId };
      // A newer message arriving between pages must not shift what comes next.
      await history.commit('P', [row(1000 + page, 9000)]);
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `M-${String(29 - i).padStart(5, '0')}`));
  });

  it('hides a user\'s own unechoed server-API sends from that user only', async () => {
    const history = createSqlHistoryStore(sql);
    await history.commit('V', [row(3), row(4)]); // row 3: from a, not sender-visible
    const query = { conversationType: 1, conversationKey: 'a:b', busChannel: '', before: { sentTime: Number.MAX_SAFE_INTEGER, messageUId: '' }, limit: 10 };
    expect((await history.page('V', { ...query, hideUnechoedFrom: 'a' })).map((r) => r.messageUId)).toEqual(['M-00004']);
    expect((await history.page('V', { ...query, hideUnechoedFrom: 'b' })).map((r) => r.messageUId)).toEqual(['M-00004', 'M-00003']);
  });

  it('numbers each group\'s rows 1, 2, 3… across concurrent commits of two nodes, never twice; other kinds and refused commits take none; a retried row leaves a hole', async () => {
    const [nodeA, nodeB] = [createSqlHistoryStore(sql), createSqlHistoryStore(sql)];
    const groupRow = (n: number, groupId: string): HistoryRow => ({ ...row(n), conversationType: 3, conversationKey: groupId, targetId: groupId, messageUId: `S-${groupId}-${n}` });
    const sends = Array.from({ length: 40 }, (_, i) => (i % 2 ? nodeA : nodeB).commit('S', [groupRow(i, i % 3 ? 'g1' : 'g2'), row(5000 + i)]));
    await Promise.all(sends);
    await expect(nodeA.commit('S', [{ ...groupRow(99, 'g1'), content: 'a\u0000b' }])).rejects.toThrow();
    for (const [groupId, count] of [['g1', 26], ['g2', 14]] as const) {
      expect(await nodeA.groupSeqs.latest('S', groupId)).toBe(count);
      const numbered = await nodeB.groupSeqs.range('S', groupId, 1, count);
      expect(numbered.map((r) => r.groupSeq)).toEqual(Array.from({ length: count }, (_, i) => count - i));
      expect(new Set(numbered.map((r) => r.messageUId)).size).toBe(count);
    }
    expect(await nodeA.groupSeqs.of('S', 'M-05000', 6000)).toBeUndefined();
    expect(await nodeA.groupSeqs.of('S', 'S-g2-0', 1000)).toEqual(expect.any(Number));
    expect(await nodeA.groupSeqs.of('S', 'S-g2-0', 1001)).toBeUndefined(); // the id at another time is not that message
    // A retry of a committed send: its row is kept as it was, the number it took is a hole.
    await nodeA.commit('S', [groupRow(0, 'g2'), groupRow(100, 'g2')]);
    expect((await nodeA.groupSeqs.range('S', 'g2', 14, 16)).map((r) => [r.groupSeq, r.messageUId])).toEqual([[16, 'S-g2-100'], [14, expect.any(String)]]);
    expect(await nodeA.groupSeqs.latest('S', 'g2')).toBe(16);
  });
});
