import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appSchema } from '../../src/config.js';
import { AppRegistry, type App } from '../../src/core/apps.js';
import { monthStart } from '../../src/core/history-partitions.js';
import { RetentionSweeper } from '../../src/core/retention.js';
import { createSqlHistoryRetentionStore } from '../../src/store/history-retention.sql.js';
import type { HistoryRow } from '../../src/store/history.js';
import { createSqlHistoryStore } from '../../src/store/history.sql.js';
import { migrate } from '../../src/store/migrate.js';
import type { SqlClient } from '../../src/store/sql.js';
import { ManualClock } from '../helpers/device.js';
import { storageMode } from '../helpers/storage.js';
import { migrateBefore } from '../helpers/migrations.js';
import { testStores, type TestStores } from '../helpers/stores.js';

/**
 * The migrations of cloud history on a database that already holds some: 0007 (what it
 * back-fills) and 0016 (partitioned by month), then retention and query plans on the
 * partitioned table (docs/decisions.md "Partitioned history"), on Postgres and on PGlite.
 * One file, one database: a new empty embedded database takes seconds to make.
 */
let stores: TestStores;
let sql: SqlClient;

const day = 86_400_000;
const thisMonth = monthStart(Date.now());
const row = (uid: string, sentTime: number, key = 'a:b'): HistoryRow => ({
  conversationType: 1, conversationKey: key, busChannel: '', sentTime, messageUId: uid, fromUserId: 'a', targetId: 'b',
  objectName: 'RC:TxtMsg', content: JSON.stringify({ content: uid }), senderVisible: true, counted: true, expansion: false,
});
/** Rows written before the migration: from 1970 to this month, two apps. */
const before = [
  row('OLD1-0000-0000-0000', 1_000),
  row('OLD2-0000-0000-0000', thisMonth - 40 * day),
  row('OLD3-0000-0000-0000', thisMonth + 1, 'a:c'),
  { ...row('OLD4-0000-0000-0000', thisMonth + 2), extraContent: '{"k": {"v": "x", "ts": 1}}', expansion: true },
];
/** Where the pre-steps end the old table: the month after next. */
const firstPartition = monthStart(thisMonth, 2);
const everyRow = 'SELECT *, extra_content::text AS extra_content FROM messages ORDER BY app_key, message_uid';

let rowsBefore: unknown[];

beforeAll(async () => {
  stores = await testStores();
  sql = await stores.sql({ empty: true });
  await migrateBefore(sql, '0007');
  const old = (uid: string, type: number, key: string, from: string, to: string, objectName: string, sentTime: number, senderVisible: boolean) =>
    sql.query(
      `INSERT INTO messages (app_key, conversation_type, conversation_key, bus_channel, sent_time, message_uid, from_user_id, target_id, object_name, content, sender_visible)
       VALUES ('A', $1, $2, '', $3, $4, $5, $6, $7, '{}', $8)`,
      [type, key, sentTime, uid, from, to, objectName, senderVisible],
    );
  await old('M1', 1, 'a:b', 'a', 'b', 'RC:TxtMsg', 100, true);
  await old('M2', 1, 'a:b', 'b', 'a', 'RC:TxtMsg', 200, true);
  await old('M3', 1, 'a:c', 'a', 'c', 'RC:InfoNtf', 300, false);
  await old('M4', 3, 'g', 'a', 'g', 'RC:GrpNtf', 400, true);
  await migrateBefore(sql, '0016');
  for (const [appKey, rows] of [['P', before], ['Q', before.slice(0, 2)]] as const) {
    for (const r of rows) {
      await sql.query(
        `INSERT INTO messages (app_key, conversation_type, conversation_key, bus_channel, sent_time, message_uid, from_user_id, target_id,
                               object_name, content, sender_visible, counted, expansion, extra_content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb)`,
        [appKey, r.conversationType, r.conversationKey, r.busChannel, r.sentTime, r.messageUId, r.fromUserId, r.targetId,
          r.objectName, r.content, r.senderVisible, r.counted, r.expansion, r.extraContent ?? '{}'],
      );
    }
  }
  rowsBefore = (await sql.query(everyRow)).rows;
  // The upgrade's steps beforehand, as on a live database (docs/many-nodes.md): the index built
  // without blocking writes, the range proved under a lock that does not block them either.
  await sql.exec('CREATE UNIQUE INDEX CONCURRENTLY messages_legacy_pkey ON messages (app_key, message_uid, sent_time)');
  await sql.exec(`ALTER TABLE messages ADD CONSTRAINT messages_before_partitions CHECK (sent_time < ${firstPartition}) NOT VALID`);
  await sql.exec('ALTER TABLE messages VALIDATE CONSTRAINT messages_before_partitions');
  expect(await migrate(sql)).toContain('0016_partitioned_history.sql');
});
afterAll(() => stores.close());

const partitionNames = async () =>
  (await sql.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'messages'::regclass ORDER BY 1`)).rows.map((r) => r.name);
const month = (ms: number) => `messages_p${new Date(ms).toISOString().slice(0, 7).replace('-', '')}`;

describe('migration 0007', () => {
  it('records each side\'s private conversations, the sender read up to its last send, hidden sends not for the sender', async () => {
    const { rows } = await sql.query<{ user_id: string; conversation_type: number; target_id: string; read_time: number }>(
      `SELECT user_id, conversation_type, target_id, read_time FROM conversation_states WHERE app_key = 'A' ORDER BY user_id, conversation_type, target_id`,
    );
    expect(rows.map((r) => [r.user_id, r.conversation_type, r.target_id, Number(r.read_time)])).toEqual([
      ['a', 1, 'b', 100],
      ['a', 3, 'g', 400],
      ['b', 1, 'a', 200],
      ['c', 1, 'a', 0],
    ]);
  });

  it('marks notification types as not counted', async () => {
    const { rows } = await sql.query<{ message_uid: string; counted: boolean }>(`SELECT message_uid, counted FROM messages WHERE app_key = 'A' ORDER BY message_uid`);
    expect(rows).toEqual([
      { message_uid: 'M1', counted: true },
      { message_uid: 'M2', counted: true },
      { message_uid: 'M3', counted: false },
      { message_uid: 'M4', counted: false },
    ]);
  });
});

describe('migration 0016', () => {
  it('keeps every row as it was, the old table now the first partition up to the declared end, a month after it ready', async () => {
    // Later migrations may add columns (0017: group_seq, null on old rows): the rows' own values are compared.
    expect((await sql.query(everyRow)).rows).toEqual(rowsBefore.map((row): unknown => expect.objectContaining(row)));
    expect(rowsBefore).toHaveLength(10);
    expect(await partitionNames()).toEqual(['messages_legacy', month(firstPartition)]);
    const { rows } = await sql.query<{ bound: string }>(`SELECT pg_get_expr(relpartbound, oid) AS bound FROM pg_class WHERE relname = 'messages_legacy'`);
    expect(rows[0]!.bound).toContain(String(firstPartition));
  });

  it('a message id is still written once: a retried commit adds nothing', async () => {
    await createSqlHistoryStore(sql).commit('P', before);
    expect((await sql.query(everyRow)).rows).toEqual(rowsBefore.map((row): unknown => expect.objectContaining(row)));
  });
});

describe('partition upkeep and retention', () => {
  const app = (appKey: string, days: number): App =>
    appSchema.parse({ appKey, appSecret: 's', features: { historyPrivateGroupDays: days, historyChatroomDays: days, historyUltraGroupDays: days } });
  // Two months on, in the first month partitioned; at 3 days, that month is the boundary.
  const now = monthStart(thisMonth, 2) + 5 * day;
  const clock = new ManualClock(now);
  const sweeper = (...apps: App[]) => new RetentionSweeper(createSqlHistoryRetentionStore(sql), new AppRegistry(apps), clock, (err) => { throw err; });
  const uids = async (appKey: string) => (await sql.query<{ message_uid: string }>('SELECT message_uid FROM messages WHERE app_key = $1 ORDER BY 1', [appKey])).rows.map((r) => r.message_uid);
  const boundary = monthStart(now);

  it('creates the months up to next month, then drops only partitions past every app\'s retention and deletes rows around the cutoff', async () => {
    await sweeper().upkeepPartitions();
    const expected = ['messages_legacy', ...[2, 3].map((m) => month(monthStart(thisMonth, m)))];
    expect(await partitionNames()).toEqual(expected);
    // Q keeps a year: nothing may be dropped whole; P's rows go one by one, and Q's from 1970.
    const withQ = await sweeper(app('P', 3), app('Q', 365)).sweep();
    expect(withQ).toMatchObject({ partitionsDropped: 0, messages: { 1: 5 } });
    expect(await uids('P')).toEqual([]);
    expect(await uids('Q')).toEqual(['OLD2-0000-0000-0000']);

    // Without Q, the old table is past every retention: dropped with Q's row in it. In the
    // boundary month, only the row before P's cutoff is deleted.
    await createSqlHistoryStore(sql).commit('P', [row('NEW1-0000-0000-0000', boundary + day), row('NEW2-0000-0000-0000', now - day)]);
    const onlyP = await sweeper(app('P', 3)).sweep();
    expect(onlyP).toMatchObject({ partitionsDropped: 1, messages: { 1: 1 } });
    expect(await partitionNames()).toEqual(expected.slice(1));
    expect(await uids('Q')).toEqual([]);
    expect(await uids('P')).toEqual(['NEW2-0000-0000-0000']);
  });

  it.skipIf(storageMode === 'embedded')('one node at a time changes partitions: another finds the lock taken and leaves it', async () => {
    const store = createSqlHistoryRetentionStore(sql);
    const other = await stores.sql();
    const inner = await store.withPartitions(() => createSqlHistoryRetentionStore(other).withPartitions(async () => 'ran'));
    expect(inner).toBeUndefined();
    expect(await createSqlHistoryRetentionStore(other).withPartitions(async () => 'ran')).toBe('ran');
  });
});

describe('query plans on the partitioned table', () => {
  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    Plans?: PlanNode[];
  }
  const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

  /** The plan's nodes. The tables are tiny, so the planner is told to read them only by index, as it would once they are not. */
  async function plan(text: string, params: unknown[]): Promise<PlanNode[]> {
    return sql.transaction(async (tx) => {
      await tx.exec('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off');
      type Explained = Array<{ Plan: PlanNode }>;
      const { rows } = await tx.query<{ 'QUERY PLAN': Explained | string }>(`EXPLAIN (FORMAT JSON) ${text}`, params);
      const explained = rows[0]!['QUERY PLAN'];
      return nodesOf((typeof explained === 'string' ? (JSON.parse(explained) as Explained) : explained)[0]!.Plan);
    });
  }
  beforeAll(async () => {
    // Enough rows of one app in each of two months (three hours apart) for their statistics to tell the indexes apart.
    const from = monthStart(thisMonth, 2);
    await createSqlHistoryStore(sql).commit('P', Array.from({ length: 300 }, (_, i) => row(`PLN${String(i).padStart(3, '0')}-0000-0000-0000`, from + i * 3 * 3_600_000, `a:${i % 7}`)));
    await sql.exec('ANALYZE messages');
  });
  const scans = (nodes: PlanNode[]) => nodes.filter((n) => n['Relation Name'] !== undefined);

  it('a page of a conversation is one ordered index range scan per partition in its time range, never a sort', async () => {
    const from = monthStart(thisMonth, 2);
    const nodes = await plan(
      `SELECT content FROM messages
       WHERE app_key = $1 AND conversation_type = $2 AND conversation_key = $3 AND bus_channel = $4
         AND (sent_time, message_uid) < ($5, $6) AND sent_time >= $7 AND sent_time < $5 + 1
       ORDER BY sent_time DESC, message_uid DESC LIMIT 20`,
      ['P', 1, 'a:b', '', monthStart(thisMonth, 3) + day, 'ZZZZ-0000-0000-0000', from],
    );
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Sort');
    expect(scans(nodes).map((n) => [n['Node Type'], n['Relation Name']])).toEqual([
      ['Index Scan', month(monthStart(thisMonth, 3))],
      ['Index Scan', month(monthStart(thisMonth, 2))],
    ]);
    expect(scans(nodes).every((n) => /conversation/.test(n['Index Name'] ?? ''))).toBe(true);
  });

  it('a message by id is one index lookup per partition', async () => {
    const nodes = await plan('SELECT content FROM messages WHERE app_key = $1 AND message_uid = $2', ['P', 'NEW2-0000-0000-0000']);
    expect(scans(nodes).map((n) => n['Node Type'])).toEqual(['Index Scan', 'Index Scan']);
    expect(scans(nodes).every((n) => /pkey/.test(n['Index Name'] ?? ''))).toBe(true);
  });
});
