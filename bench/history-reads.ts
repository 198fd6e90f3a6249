/**
 * Cloud history reads on Postgres: a page of the newest 20 before a time in a
 * conversation of 100,000 messages (at its head and deep inside it), a 100-row time-range
 * query, and the conversation list of a user with 200 conversations, each with unread
 * messages. Every figure is a median latency next to a bare `SELECT 1` on the same
 * connection in the same run (the round trip any query pays), and the page query's plan
 * is checked to be one index range scan, not a scan of the table.
 *
 * Run: npm run bench:history
 */
import { createSqlConversationStore } from '../src/store/conversations.sql.js';
import type { HistoryRow } from '../src/store/history.js';
import { createSqlHistoryStore } from '../src/store/history.sql.js';
import { migrate } from '../src/store/migrate.js';
import { createPgClient } from '../src/store/sql.pg.js';
import { machine, median, printReport, row } from './lib/b-harness.js';
import { fmt, runScenario } from './lib/scenario.js';

const app = 'bench';
const longConversation = 100_000;
const conversations = 200;
const perConversation = 30;
const rounds = 400;
const pageSize = 20;
/** A page is one index range scan: it should cost a few round trips, not a table's worth. */
const pageTargetRatio = 5;

const problems: string[] = [];
const lines: string[] = [];

const message = (n: number, from: string, to: string, sentTime: number): HistoryRow => ({
  conversationType: 1,
  conversationKey: from < to ? `${from}:${to}` : `${to}:${from}`,
  busChannel: '',
  sentTime,
  messageUId: `B${String(n).padStart(9, '0')}`,
  fromUserId: from,
  targetId: to,
  objectName: 'RC:TxtMsg',
  content: JSON.stringify({ content: `message ${n}` }),
  senderVisible: true,
  counted: true,
  expansion: false,
});

/** Median ms of `rounds` runs of `query`, after a few unmeasured ones. */
async function timed(query: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await query();
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await query();
    ms.push(performance.now() - started);
  }
  return median(ms);
}

const parleyOutput = await runScenario(problems, async (scope) => {
  const storage = await scope.storage();
  const sql = createPgClient(storage.env.DATABASE_URL!);
  try {
    await migrate(sql);
    const history = createSqlHistoryStore(sql);
    const states = createSqlConversationStore(sql);
    const start = Date.now() - 86_400_000;

    const filled = performance.now();
    let n = 0;
    const batches: Array<Promise<void>> = [];
    for (let i = 0; i < longConversation; i += 2_000) {
      batches.push(history.commit(app, Array.from({ length: 2_000 }, (_, j) => message(n++, j % 2 ? 'ann' : 'bob', j % 2 ? 'bob' : 'ann', start + i + j))));
    }
    for (let c = 0; c < conversations; c++) {
      batches.push(history.commit(app, Array.from({ length: perConversation }, (_, j) => message(n++, `peer${c}`, 'reader', start + c * 100 + j))));
    }
    await Promise.all(batches);
    await sql.query('ANALYZE messages');
    await sql.query('ANALYZE conversation_states');
    lines.push(`  filled ${fmt(n)} messages in ${fmt((performance.now() - filled) / 1000, 1)} s (group-committed inserts)`);

    const page = (before: number) => ({ conversationType: 1, conversationKey: 'ann:bob', busChannel: '', before: { sentTime: before, messageUId: '' }, limit: pageSize, hideUnechoedFrom: 'ann' });
    const plan = await sql.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM messages WHERE app_key = $1 AND conversation_type = 1 AND conversation_key = 'ann:bob' AND bus_channel = ''
         AND (sent_time, message_uid) < ($2, '') ORDER BY sent_time DESC, message_uid DESC LIMIT 20`,
      [app, start + longConversation / 2],
    );
    const planText = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    if (!/Index Scan.*messages_by_conversation/.test(planText) || /Seq Scan/.test(planText)) problems.push(`page plan is not one index range scan:\n${planText}`);

    const check = async (label: string, rows: Promise<unknown[]>, expected: number) => {
      const count = (await rows).length;
      if (count !== expected) problems.push(`${label}: ${count} rows, expected ${expected}`);
    };
    await check('head page', history.page(app, page(Date.now())), pageSize);
    await check('deep page', history.page(app, page(start + longConversation / 2)), pageSize);
    const list = await states.list(app, 'reader', { limit: conversations, privateGroupNotBefore: 0, ultraGroupNotBefore: 0, maxUnread: 1_000 });
    if (list.length !== conversations || list.some((c) => c.unreadCount !== perConversation)) problems.push(`conversation list: ${list.length} conversations, unread ${[...new Set(list.map((c) => c.unreadCount))].join('/')}`);

    const base = await timed(() => sql.query('SELECT 1'));
    const cases: Array<[string, number]> = [
      [`history page of ${pageSize}, newest`, await timed(() => history.page(app, page(Date.now())))],
      [`history page of ${pageSize}, mid-conversation`, await timed(() => history.page(app, page(start + longConversation / 2)))],
      ['time range of 100 rows (v3 query)', await timed(() => history.range(app, { conversationType: 1, conversationKey: 'ann:bob', busChannel: '', from: start + 5_000, includeFrom: false, until: start + 5_100, limit: 100 }))],
      [`conversation list, ${conversations} conversations`, await timed(() => states.list(app, 'reader', { limit: 100, privateGroupNotBefore: 0, ultraGroupNotBefore: 0, maxUnread: 1_000 }))],
    ];
    lines.push(row(['query', 'median ms', 'vs SELECT 1'], 44, 14));
    lines.push(row(['SELECT 1 (baseline, same connection)', fmt(base, 3), '1.00x'], 44, 14));
    for (const [label, ms] of cases) lines.push(row([label, fmt(ms, 3), `${fmt(ms / base, 2)}x`], 44, 14));
    for (const [label, ms] of cases.slice(0, 2)) {
      lines.push(`  ${label}: target <= ${pageTargetRatio}x a bare round trip: ${fmt(ms / base, 2)}x (${ms / base <= pageTargetRatio ? 'met' : 'MISSED'})`);
    }
    lines.push(`  median of ${rounds} runs each; the page plan: ${planText.split('\n')[1]?.trim() ?? planText}`);
  } finally {
    await sql.close();
  }
});

printReport([`history reads: ${fmt(longConversation)}-message conversation and a ${conversations}-conversation list on Postgres (${machine()})`, ...lines], problems, parleyOutput);
