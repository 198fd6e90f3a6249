import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appSchema } from '../../src/config.js';
import { AppRegistry } from '../../src/core/apps.js';
import { RetentionSweeper } from '../../src/core/retention.js';
import type { HistoryRetentionStore } from '../../src/store/history-retention.js';
import { createSqlHistoryRetentionStore } from '../../src/store/history-retention.sql.js';
import type { HistoryRow } from '../../src/store/history.js';
import { createSqlHistoryStore } from '../../src/store/history.sql.js';
import { connectDevice, ManualClock } from '../helpers/device.js';
import { startServer, type ApiResponse, type TestApp, type TestServer } from '../helpers/server.js';

/** Background history retention: per app and conversation type, in batches, and hourly files after 3 days. */
const day = 86_400_000;
const start = Date.UTC(2030, 0, 1);
const clock = new ManualClock(start);
let t: TestServer;
let short: TestApp;
let long: TestApp;

beforeAll(async () => {
  t = await startServer({
    clock,
    apps: [
      { features: { historyPrivateGroup: true, historyChatroom: true, historyPrivateGroupDays: 3, historyChatroomDays: 2, historyUltraGroupDays: 1 } },
      { features: { historyPrivateGroup: true, historyChatroom: true, historyPrivateGroupDays: 10, historyChatroomDays: 10, historyUltraGroupDays: 10 } },
    ],
  });
  [short, long] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

const txt = (s: string) => JSON.stringify({ content: s });
const ok = (res: ApiResponse) => expect(res.body).toMatchObject({ code: 200 });
const uidOf = (res: ApiResponse) => {
  ok(res);
  return (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
};

/** Creates a group, a chatroom with a joined device and an ultra group in `app`. */
async function createConversations(app: TestApp): Promise<void> {
  ok(await app.post('/group/create.json', { userId: ['ann', 'bob'], groupId: 'grp', groupName: 'Group' }));
  ok(await app.post('/chatroom/create.json', { 'chatroom[room]': 'Room' }));
  const member = await connectDevice(t, app, 'cid');
  await member.client.request('chatroom.join', { chatroomId: 'room' });
  ok(await app.post('/ultragroup/create.json', { userId: 'ann', groupId: 'ug', groupName: 'Ultra' }));
}

type Wave = Record<1 | 3 | 4 | 6 | 10, string>;

/** One message of every stored conversation type, sent now (by the clock); their uids by type. */
async function sendWave(app: TestApp): Promise<Wave> {
  const common = { fromUserId: 'ann', objectName: 'RC:TxtMsg', content: txt(`at ${clock.now()}`) };
  return {
    1: uidOf(await app.post('/message/private/publish.json', { ...common, toUserId: 'bob' })),
    3: uidOf(await app.post('/message/group/publish.json', { ...common, toGroupId: 'grp' })),
    4: uidOf(await app.post('/message/chatroom/publish.json', { ...common, fromUserId: 'cid', toChatroomId: 'room', isIncludeSender: 1 })),
    6: uidOf(await app.post('/message/system/publish.json', { ...common, toUserId: 'bob' })),
    10: uidOf(await app.post('/message/ultragroup/publish.json', { ...common, toGroupIds: ['ug'] }, { json: true })),
  };
}

const uidsIn = async (appKey: string) =>
  (await t.deps.sql.query<{ message_uid: string }>('SELECT message_uid FROM messages WHERE app_key = $1', [appKey])).rows.map((r) => r.message_uid).sort();
const uidsOf = (wave: Wave, ...types: Array<keyof Wave>) => types.map((type) => wave[type]);
const sorted = (uids: string[]) => [...uids].sort();
const none = { 1: 0, 3: 0, 4: 0, 6: 0, 10: 0 };

describe('message retention per app and conversation type', () => {
  it('deletes exactly the rows past their type\'s retention, each app by its own settings', async () => {
    await createConversations(short);
    await createConversations(long);
    const first = await sendWave(short);
    const firstLong = await sendWave(long);
    const all = uidsOf(first, 1, 3, 4, 6, 10);
    expect(await uidsIn(short.appKey)).toEqual(sorted(all));

    clock.set(start + 0.5 * day);
    expect(await t.deps.retention.sweep()).toEqual({ messages: none, exports: 0, partitionsDropped: 0 });
    expect(await uidsIn(short.appKey)).toEqual(sorted(all));

    clock.set(start + 1.5 * day);
    expect((await t.deps.retention.sweep()).messages).toEqual({ ...none, 10: 1 });
    expect(await uidsIn(short.appKey)).toEqual(sorted(uidsOf(first, 1, 3, 4, 6)));

    clock.set(start + 2 * day);
    const second = await sendWave(short);

    clock.set(start + 2.5 * day);
    expect((await t.deps.retention.sweep()).messages).toEqual({ ...none, 4: 1 });
    expect(await uidsIn(short.appKey)).toEqual(sorted([...uidsOf(first, 1, 3, 6), ...uidsOf(second, 1, 3, 4, 6, 10)]));

    clock.set(start + 3.5 * day);
    expect((await t.deps.retention.sweep()).messages).toEqual({ ...none, 1: 1, 3: 1, 6: 1, 10: 1 });
    expect(await uidsIn(short.appKey)).toEqual(sorted(uidsOf(second, 1, 3, 4, 6)));

    // The other app keeps 10 days of everything: untouched until then.
    expect(await uidsIn(long.appKey)).toEqual(sorted(uidsOf(firstLong, 1, 3, 4, 6, 10)));
    clock.set(start + 10.5 * day);
    expect((await t.deps.retention.sweep()).messages).toEqual({ 1: 2, 3: 2, 4: 2, 6: 2, 10: 1 });
    expect(await uidsIn(long.appKey)).toEqual([]);
    expect(await uidsIn(short.appKey)).toEqual([]);
  });
});

describe('batches', () => {
  const batchApp = appSchema.parse({ appKey: 'retention-batches', appSecret: 's', features: { historyPrivateGroupDays: 1 } });
  const now = Date.UTC(2031, 0, 1);
  const cutoff = now - day;
  const row = (i: number, sentTime: number): HistoryRow => ({
    conversationType: 1, conversationKey: `a:b${i % 3}`, busChannel: '', sentTime, messageUId: `RTN${String(i).padStart(4, '0')}-0000-0000-0000`,
    fromUserId: 'a', targetId: `b${i % 3}`, objectName: 'RC:TxtMsg', content: '{}', senderVisible: true, counted: true, expansion: false,
  });
  const expired = Array.from({ length: 40 }, (_, i) => row(i, cutoff - 1 - i * 1000));
  const kept = [row(100, cutoff), row(101, cutoff + 1), row(102, now)];

  /** The real SQL store, recording how many rows each of its DELETE statements removed. */
  function recordingStore(batches: number[]): HistoryRetentionStore {
    const store = createSqlHistoryRetentionStore(t.deps.sql);
    return {
      ...store,
      async deleteMessageBatch(...args) {
        const deleted = await store.deleteMessageBatch(...args);
        batches.push(deleted);
        return deleted;
      },
    };
  }
  const sweeper = (store: HistoryRetentionStore, errors: unknown[] = []) =>
    new RetentionSweeper(store, new AppRegistry([batchApp]), new ManualClock(now), (err) => errors.push(err), 7);
  // Partitions for this later time, as its nodes would have made them.
  beforeAll(() => sweeper(createSqlHistoryRetentionStore(t.deps.sql)).upkeepPartitions());
  const remaining = async () =>
    (await t.deps.sql.query<{ sent_time: number }>('SELECT sent_time FROM messages WHERE app_key = $1 ORDER BY sent_time', [batchApp.appKey])).rows.map((r) => r.sent_time);

  it('deletes a backlog larger than the batch in short statements until one comes back short; a row at the cutoff stays', async () => {
    await createSqlHistoryStore(t.deps.sql).commit(batchApp.appKey, [...expired, ...kept]);
    const batches: number[] = [];
    const errors: unknown[] = [];
    const counts = await sweeper(recordingStore(batches), errors).sweep();
    expect(counts.messages).toEqual({ ...none, 1: 40 });
    // 40 rows at 7 a statement; the four other types find nothing in one statement each.
    expect(batches.filter((n) => n > 0)).toEqual([7, 7, 7, 7, 7, 5]);
    expect(batches).toHaveLength(6 + 4);
    expect(errors).toEqual([]);
    expect(await remaining()).toEqual([cutoff, cutoff + 1, now]);
  });

  it('two nodes sweeping at once share the work: every expired row goes, each exactly once', async () => {
    await createSqlHistoryStore(t.deps.sql).commit(batchApp.appKey, expired);
    const [a, b] = await Promise.all([sweeper(createSqlHistoryRetentionStore(t.deps.sql)).sweep(), sweeper(createSqlHistoryRetentionStore(t.deps.sql)).sweep()]);
    expect(a.messages[1] + b.messages[1]).toBe(40);
    expect(await remaining()).toEqual([cutoff, cutoff + 1, now]);
  });

  it('a failing statement is reported and the pass goes on', async () => {
    const errors: unknown[] = [];
    const store = createSqlHistoryRetentionStore(t.deps.sql);
    const failingExports: HistoryRetentionStore = { ...store, deleteExportsOlderThan: () => Promise.reject(new Error('exports unavailable')) };
    await createSqlHistoryStore(t.deps.sql).commit(batchApp.appKey, expired.slice(0, 3));
    expect(await sweeper(failingExports, errors).sweep()).toEqual({ messages: { ...none, 1: 3 }, exports: 0, partitionsDropped: 0 });
    expect(errors).toEqual([new Error('exports unavailable')]);
  });

  it('start() sweeps on its timer and stop() ends it', async () => {
    await createSqlHistoryStore(t.deps.sql).commit(batchApp.appKey, expired.slice(0, 5));
    const timed = sweeper(createSqlHistoryRetentionStore(t.deps.sql));
    timed.start(20);
    await expect.poll(remaining).toEqual([cutoff, cutoff + 1, now]);
    await timed.stop();
    await createSqlHistoryStore(t.deps.sql).commit(batchApp.appKey, expired.slice(0, 1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await remaining()).toHaveLength(4);
  });
});

describe('hourly history files', () => {
  it('are deleted 3 days after they were made', async () => {
    const now = clock.now();
    const made = { '2030010100': now - 3 * day - 1, '2030010101': now - 3 * day, '2030010102': now - day };
    for (const [hour, createdAt] of Object.entries(made)) {
      await t.deps.sql.query('INSERT INTO history_exports (app_key, hour, created_at, archive) VALUES ($1, $2, $3, $4)', [short.appKey, hour, createdAt, Buffer.from('zip')]);
    }
    expect((await t.deps.retention.sweep()).exports).toBe(1);
    const left = await t.deps.sql.query<{ hour: string }>('SELECT hour FROM history_exports WHERE app_key = $1 ORDER BY hour', [short.appKey]);
    expect(left.rows.map((r) => r.hour)).toEqual(['2030010101', '2030010102']);
  });
});
