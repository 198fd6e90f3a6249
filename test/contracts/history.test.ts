import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryRow } from '../../src/store/history.js';
import { createSqlHistoryStore } from '../../src/store/history.sql.js';
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
    const first = history.insert('R1', [row(1)]);
    const refused = history.insert('R2', [{ ...row(2), content: 'a\u0000b' }]);
    const others = Array.from({ length: 20 }, (_, i) => history.insert(`R${3 + i}`, [row(3 + i)]));
    await expect(refused).rejects.toThrow();
    await expect(Promise.all([first, ...others])).resolves.toBeDefined();
    const count = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE app_key LIKE 'R%'");
    expect(count.rows[0]!.n).toBe(21);
  });

  it('group-commits concurrent inserts into fewer statements, losing none', async () => {
    let inserts = 0;
    const counting: SqlClient = { ...sql, query: (text, params) => ((inserts += /^\s*(INSERT|WITH)/.test(text) ? 1 : 0), sql.query(text, params)) };
    const history = createSqlHistoryStore(counting);
    await Promise.all(Array.from({ length: 200 }, (_, i) => history.insert('G', [row(i)])));
    const count = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE app_key = 'G'");
    expect(count.rows[0]!.n).toBe(200);
    expect(inserts).toBeLessThan(200);
    expect(inserts).toBeGreaterThan(0);
  });

  it('pages newest first by (sentTime, messageUId) without skipping or repeating across equal times and concurrent inserts', async () => {
    const history = createSqlHistoryStore(sql);
    await history.insert('P', Array.from({ length: 30 }, (_, i) => row(i, 5000 + Math.floor(i / 10))));
    const seen: string[] = [];
    let before = { sentTime: Number.MAX_SAFE_INTEGER, messageUId: '' };
    for (let page = 0; page < 10; page++) {
      const rows = await history.page('P', { conversationType: 1, conversationKey: 'a:b', busChannel: '', before, limit: 7 });
      if (rows.length === 0) break;
      seen.push(...rows.map((r) => r.messageUId));
      const last = rows[rows.length - 1]!;
      before = { sentTime: last.sentTime, messageUId: last.messageUId };
      // A newer message arriving between pages must not shift what comes next.
      await history.insert('P', [row(1000 + page, 9000)]);
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `M-${String(29 - i).padStart(5, '0')}`));
  });

  it('hides a user\'s own unechoed server-API sends from that user only', async () => {
    const history = createSqlHistoryStore(sql);
    await history.insert('V', [row(3), row(4)]); // row 3: from a, not sender-visible
    const query = { conversationType: 1, conversationKey: 'a:b', busChannel: '', before: { sentTime: Number.MAX_SAFE_INTEGER, messageUId: '' }, limit: 10 };
    expect((await history.page('V', { ...query, hideUnechoedFrom: 'a' })).map((r) => r.messageUId)).toEqual(['M-00004']);
    expect((await history.page('V', { ...query, hideUnechoedFrom: 'b' })).map((r) => r.messageUId)).toEqual(['M-00004', 'M-00003']);
  });
});
