import { createRequire } from 'node:module';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryExportService, historyFileLifetimeMs, parseExportHour, type DownloadLink } from '../../src/core/history-export.js';
import { createSqlHistoryExportRecords, createSqlHistoryExportStore } from '../../src/store/history-exports.sql.js';
import type { SqlClient, SqlQueryable } from '../../src/store/sql.js';
import { ManualClock } from '../helpers/device.js';
import { startServer, type FormBody, type TestApp, type TestServer, officialNodeSdk } from '../helpers/server.js';

type Call = (message: Record<string, unknown>) => Promise<unknown>;
const RongSDK = createRequire(import.meta.url)('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => {
  Message: { History: { get: Call; remove: Call } };
};

/** An instant on 2024-03-02, given on Shanghai's wall clock (UTC+8, no daylight saving). */
const shanghai = (hour: number, minute = 0, second = 0, ms = 0) => Date.UTC(2024, 2, 2, hour - 8, minute, second, ms);
const hourMs = 3600_000;
const dayMs = 24 * hourMs;
const txt = (content: string) => JSON.stringify({ content });

const clock = new ManualClock(shanghai(9));
let t: TestServer;
let app: TestApp;
let sdk: ReturnType<typeof RongSDK>;

interface Line {
  appId: string;
  fromUserId: string;
  targetId: string;
  targetType: number;
  GroupId: string;
  classname: string;
  content: unknown;
  dateTime: string;
  timestamp: number;
  msgUID: string;
  source: string;
  isSensitiveWord: boolean;
  busChannel?: string;
}

/** The lines the file of 2024030210 must hold, in order, filled in as the messages are sent. */
const expected: Line[] = [];

async function sendAt(instant: number, path: string, body: FormBody, json = false) {
  clock.set(instant);
  const res = await app.post(path, body, { json });
  expect(res.body.code, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const line = (fields: Omit<Line, 'appId' | 'source' | 'isSensitiveWord'>): Line => ({ appId: app.appKey, source: '', isSensitiveWord: false, ...fields });
const uids = (body: Record<string, unknown>) => (body.messageUIDs as Array<{ messageUID: string }>).map((m) => m.messageUID);

const ask = (date: string) => app.post('/message/history.json', { date });
const storedHours = async () =>
  (await t.deps.sql.query<{ hour: string; ready: boolean }>('SELECT hour, archive IS NOT NULL AS ready FROM history_exports WHERE app_key = $1 ORDER BY hour', [app.appKey])).rows;

const createdAt = async (date: string) =>
  (await t.deps.sql.query<{ created_at: number }>('SELECT created_at FROM history_exports WHERE app_key = $1 AND hour = $2', [app.appKey, date])).rows[0]?.created_at;

/**
 * A second export service over the server's database whose SQL client calls `afterQuery`
 * after each statement, with its text and the connection (pool or transaction) it ran on.
 */
function exportsWatching(afterQuery: (text: string, connection: SqlQueryable) => Promise<void>) {
  const watched = (connection: SqlQueryable): SqlQueryable => ({
    exec: (text) => connection.exec(text),
    async query<Row>(text: string, params?: readonly unknown[]) {
      const result = await connection.query<Row>(text, params);
      await afterQuery(text, connection);
      return result;
    },
  });
  const sql: SqlClient = { ...t.deps.sql, ...watched(t.deps.sql), transaction: (work) => t.deps.sql.transaction((tx) => work(watched(tx))) };
  return new HistoryExportService(createSqlHistoryExportStore(sql), t.deps.apps, clock);
}

const readsMessages = (text: string) => /\bFROM messages\b/.test(text);
const readsExports = (text: string) => /^\s*SELECT\b[\s\S]*\bFROM history_exports\b/.test(text);

/** The URL `/message/history.json` answers for `link`. */
const linkUrl = (date: string, link: DownloadLink) => `${t.baseUrl}/message/history/files/${app.appKey}/${date}.zip?expires=${link.expires}&signature=${link.signature}`;

async function download(url: string) {
  const response = await fetch(url);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, type: response.headers.get('content-type'), bytes };
}

function linesOf(zip: Uint8Array, date: string): Line[] {
  const files = unzipSync(zip);
  expect(Object.keys(files)).toEqual([`${date}.txt`]);
  const text = strFromU8(files[`${date}.txt`]!);
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
}

beforeAll(async () => {
  t = await startServer({ clock, apps: [{ ...officialNodeSdk, features: { historyPrivateGroup: true, timezone: 'Asia/Shanghai' } }, {}] });
  app = t.app();
  sdk = RongSDK({ appkey: app.appKey, secret: app.appSecret, api: t.baseUrl });

  await sendAt(shanghai(9), '/group/create.json', { userId: ['h-a', 'h-b'], groupId: 'hgrp', groupName: 'History' });
  await sendAt(shanghai(9), '/ultragroup/create.json', { userId: 'h-a', groupId: 'hug', groupName: 'Ultra' });
  await sendAt(shanghai(9), '/ultragroup/channel/create.json', { groupId: 'hug', busChannel: 'news' });

  await sendAt(shanghai(9, 59, 59, 999), '/message/private/publish.json', { fromUserId: 'h-a', toUserId: 'h-b', objectName: 'RC:TxtMsg', content: txt('too early') });

  // Two receivers: two messages in the same millisecond, ordered by messageUID.
  const first = await sendAt(shanghai(10), '/message/private/publish.json', { fromUserId: 'h-a', toUserId: ['h-b', 'h-c'], objectName: 'RC:TxtMsg', content: txt('first') });
  const [toB, toC] = uids(first) as [string, string];
  const pair = [
    line({ fromUserId: 'h-a', targetId: 'h-b', targetType: 1, GroupId: '', classname: 'RC:TxtMsg', content: { content: 'first' }, dateTime: '2024-03-02 10:00:00.000', timestamp: shanghai(10), msgUID: toB }),
    line({ fromUserId: 'h-a', targetId: 'h-c', targetType: 1, GroupId: '', classname: 'RC:TxtMsg', content: { content: 'first' }, dateTime: '2024-03-02 10:00:00.000', timestamp: shanghai(10), msgUID: toC }),
  ];
  expected.push(...pair.sort((a, b) => (a.msgUID < b.msgUID ? -1 : 1)));

  const group = await sendAt(shanghai(10, 20), '/message/group/publish.json', { fromUserId: 'h-a', toGroupId: 'hgrp', objectName: 'RC:TxtMsg', content: txt('to the group') });
  expected.push(line({ fromUserId: 'h-a', targetId: 'hgrp', targetType: 3, GroupId: 'hgrp', classname: 'RC:TxtMsg', content: { content: 'to the group' }, dateTime: '2024-03-02 10:20:00.000', timestamp: shanghai(10, 20), msgUID: uids(group)[0]! }));

  const ultra = await sendAt(shanghai(10, 30, 1, 7), '/message/ultragroup/publish.json', { fromUserId: 'h-a', toGroupIds: ['hug'], busChannel: 'news', objectName: 'RC:TxtMsg', content: txt('channel news') }, true);
  expected.push(line({ fromUserId: 'h-a', targetId: 'hug', targetType: 10, GroupId: 'hug', classname: 'RC:TxtMsg', content: { content: 'channel news' }, dateTime: '2024-03-02 10:30:01.007', timestamp: shanghai(10, 30, 1, 7), msgUID: ultra.messageUID as string, busChannel: 'news' }));

  const custom = await sendAt(shanghai(10, 45, 0, 500), '/message/private/publish.json', { fromUserId: 'h-b', toUserId: 'h-a', objectName: 'app:Plain', content: 'not json', isPersisted: 1 });
  expected.push(line({ fromUserId: 'h-b', targetId: 'h-a', targetType: 1, GroupId: '', classname: 'app:Plain', content: 'not json', dateTime: '2024-03-02 10:45:00.500', timestamp: shanghai(10, 45, 0, 500), msgUID: uids(custom)[0]! }));

  const system = await sendAt(shanghai(10, 59, 59, 999), '/message/system/publish.json', { fromUserId: 'h-sys', toUserId: 'h-b', objectName: 'RC:TxtMsg', content: txt('last of the hour') });
  expected.push(line({ fromUserId: 'h-sys', targetId: 'h-b', targetType: 6, GroupId: '', classname: 'RC:TxtMsg', content: { content: 'last of the hour' }, dateTime: '2024-03-02 10:59:59.999', timestamp: shanghai(10, 59, 59, 999), msgUID: uids(system)[0]! }));

  await sendAt(shanghai(11), '/message/private/publish.json', { fromUserId: 'h-a', toUserId: 'h-b', objectName: 'RC:TxtMsg', content: txt('too late') });
});
afterAll(() => t.close());

describe('/message/history.json', () => {
  it('refuses malformed dates, unreal hours, the current and future hours, and an hour that ended under a minute ago, storing nothing', async () => {
    clock.set(shanghai(11, 0, 59, 999));
    for (const date of ['2018131099', 'abc', '2024030224', '2023022910', '20240302100', '', '2024030211', '2024030212', '2025010100', '2024030210']) {
      const res = await ask(date);
      expect([date, res.status, res.body.code]).toEqual([date, 400, 1002]);
    }
    expect((await ask('2024030211')).body.errorMessage).toMatch(/not over yet/);
    const removal = await app.post('/message/history/delete.json', { date: '2024030211' });
    expect(removal.body.code).toBe(1002);
    expect(await storedHours()).toEqual([]);
  });

  it('answers a finished hour with a link to a zip of exactly its messages, in order, with RongCloud\'s fields', async () => {
    clock.set(shanghai(11, 1));
    const res = await ask('2024030210');
    expect(res.body).toMatchObject({ code: 200, date: '2024030210' });
    const url = res.body.url as string;
    expect(url).toMatch(new RegExp(`^${t.baseUrl}/message/history/files/${app.appKey}/2024030210\\.zip\\?expires=${clock.now() + historyFileLifetimeMs}&signature=[0-9a-f]{64}$`));

    const file = await download(url);
    expect([file.status, file.type]).toEqual([200, 'application/zip']);
    expect(linesOf(file.bytes, '2024030210')).toEqual(expected);
    expect(await storedHours()).toEqual([{ hour: '2024030210', ready: true }]);
  });

  it('serves the same stored file to the official SDK (Message.History.get)', async () => {
    const first = await download((await ask('2024030210')).body.url as string);
    const answer = (await sdk.Message.History.get({ date: '2024030210' })) as { code: number; url: string; date: string };
    expect(answer).toMatchObject({ code: 200, date: '2024030210' });
    const again = await download(answer.url);
    expect(again.bytes).toEqual(first.bytes);
    expect(await storedHours()).toEqual([{ hour: '2024030210', ready: true }]);
  });

  it('answers an empty url for a finished hour without messages, and stores nothing', async () => {
    expect((await ask('2024030208')).body).toEqual({ code: 200, url: '', date: '2024030208' });
    expect((await t.app(1).post('/message/history.json', { date: '2024030201' })).body).toMatchObject({ code: 200, url: '' }); // UTC app, no messages
    expect(await storedHours()).toEqual([{ hour: '2024030210', ready: true }]);
  });

  it('reads a busy hour page by page across conversation types and equal timestamps', async () => {
    const from = shanghai(12);
    await t.deps.sql.query(
      `INSERT INTO messages (app_key, conversation_type, conversation_key, sent_time, message_uid, from_user_id, target_id, object_name, content, sender_visible)
       SELECT $1, (ARRAY[1, 3, 4, 6, 10])[1 + i % 5], 'k', $2::bigint + (i % 997) * 1000, 'U' || lpad(i::text, 6, '0'), 'f', 't', 'RC:TxtMsg', '{"content":"x"}', true
       FROM generate_series(1, 12001) AS i`,
      [app.appKey, from],
    );
    await t.deps.sql.query(
      `INSERT INTO messages (app_key, conversation_type, conversation_key, sent_time, message_uid, from_user_id, target_id, object_name, content, sender_visible)
       VALUES ($1, 1, 'k', $2, 'NEXT-HOUR', 'f', 't', 'RC:TxtMsg', '{}', true), ($3, 1, 'k', $4, 'OTHER-APP', 'f', 't', 'RC:TxtMsg', '{}', true)`,
      [app.appKey, from + hourMs, t.app(1).appKey, from],
    );
    clock.set(shanghai(13, 5));
    const res = await ask('2024030212');
    const lines = linesOf((await download(res.body.url as string)).bytes, '2024030212');
    const order = lines.map((l) => [l.timestamp, l.msgUID] as const);
    const sorted = [...order].sort(([ta, ua], [tb, ub]) => ta - tb || (ua < ub ? -1 : 1));
    expect(lines).toHaveLength(12001);
    expect(order).toEqual(sorted);
    expect(new Set(lines.map((l) => l.msgUID)).size).toBe(12001);
    expect(new Set(lines.map((l) => l.targetType))).toEqual(new Set([1, 3, 4, 6, 10]));
  });
});

describe('the download link', () => {
  it('is refused with 403 when its signature is altered or missing, or it names another app, hour or expiry', async () => {
    clock.set(shanghai(13, 10));
    const url = new URL((await ask('2024030210')).body.url as string);
    const signature = url.searchParams.get('signature')!;

    const altered = new URL(url);
    altered.searchParams.set('signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    const unsigned = new URL(url);
    unsigned.searchParams.delete('signature');
    const otherApp = new URL(url.href.replace(`/${app.appKey}/`, `/${t.app(1).appKey}/`));
    const otherHour = new URL(url.href.replace('/2024030210.zip', '/2024030212.zip'));
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1));
    for (const refused of [altered, unsigned, otherApp, otherHour, later]) {
      const response = await fetch(refused);
      expect([refused.href, response.status, await response.json()]).toEqual([refused.href, 403, { code: 403, errorMessage: expect.any(String) }]);
    }
  });

  it('expires when the file is swept, three days after it was made, however late it is asked for', async () => {
    const madeAt = (await createdAt('2024030210'))!;
    clock.set(madeAt + 2 * dayMs);
    const url = (await ask('2024030210')).body.url as string;
    expect(new URL(url).searchParams.get('expires')).toBe(String(madeAt + historyFileLifetimeMs));

    clock.set(madeAt + historyFileLifetimeMs);
    expect((await download(url)).status).toBe(200);
    clock.advance(1);
    expect((await download(url)).status).toBe(403);
    // Past its three days, awaiting the sweeper: no link that would be refused.
    expect((await ask('2024030210')).body).toEqual({ code: 200, url: '', date: '2024030210' });
    clock.set(shanghai(13, 10));
  });
});

describe('/message/history/delete.json', () => {
  it('drops the file: the old link answers 404 and the hour answers an empty url from then on (official SDK)', async () => {
    const url = (await ask('2024030210')).body.url as string;
    expect(await sdk.Message.History.remove({ date: '2024030210' })).toEqual({ code: 200 });
    const gone = await fetch(url);
    expect([gone.status, ((await gone.json()) as { code: number }).code]).toEqual([404, 404]);
    expect((await ask('2024030210')).body).toEqual({ code: 200, url: '', date: '2024030210' });
    expect(await storedHours()).toEqual([
      { hour: '2024030210', ready: false },
      { hour: '2024030212', ready: true },
    ]);
  });

  it('keeps an hour never asked for from being made later', async () => {
    expect((await app.post('/message/history/delete.json', { date: '2024030209' })).body).toEqual({ code: 200 });
    expect((await ask('2024030209')).body).toEqual({ code: 200, url: '', date: '2024030209' });
    expect((await storedHours()).find((h) => h.hour === '2024030209')).toEqual({ hour: '2024030209', ready: false });
  });
});

describe('making a file once', () => {
  it('builds it once for two first asks that come together: the second waits, then both answer the same working link', async () => {
    const sent = await sendAt(shanghai(14, 30), '/message/private/publish.json', { fromUserId: 'h-a', toUserId: 'h-b', objectName: 'RC:TxtMsg', content: txt('once') });
    clock.set(shanghai(15, 5));
    // Each scan waits until both asks have looked the hour up, so that without the lock
    // both would find nothing stored and scan, on Postgres as on PGlite.
    let lookups = 0;
    let bothLookedUp!: () => void;
    const lookedUp = new Promise<void>((resolve) => (bothLookedUp = resolve));
    let scans = 0;
    const exports = exportsWatching(async (text) => {
      if (readsExports(text) && ++lookups === 2) bothLookedUp();
      if (!readsMessages(text)) return;
      scans += 1;
      await lookedUp;
    });
    const imApp = t.deps.apps.get(app.appKey)!;
    const [first, second] = await Promise.all([exports.link(imApp, '2024030214'), exports.link(imApp, '2024030214')]);
    expect(first).toBeDefined();
    expect(second).toEqual(first);
    expect(scans).toBe(1);
    const file = await download(linkUrl('2024030214', first!));
    expect(file.status).toBe(200);
    expect(linesOf(file.bytes, '2024030214').map((l) => l.msgUID)).toEqual(uids(sent));
  });

  it('answers no link when the hour is deleted while its file is being made, and the deletion stays', async () => {
    await sendAt(shanghai(15, 30), '/message/private/publish.json', { fromUserId: 'h-a', toUserId: 'h-b', objectName: 'RC:TxtMsg', content: txt('deleted meanwhile') });
    clock.set(shanghai(16, 5));
    // The delete runs on the building transaction because PGlite has only one connection;
    // on Postgres a delete committed from another connection meets the save the same way.
    const exports = exportsWatching(async (text, connection) => {
      if (readsMessages(text)) await createSqlHistoryExportRecords(connection).markDeleted(app.appKey, '2024030215', clock.now());
    });
    expect(await exports.link(t.deps.apps.get(app.appKey)!, '2024030215')).toBeUndefined();
    expect((await storedHours()).find((h) => h.hour === '2024030215')).toEqual({ hour: '2024030215', ready: false });
    expect((await ask('2024030215')).body).toEqual({ code: 200, url: '', date: '2024030215' });
  });
});

describe('parseExportHour', () => {
  it('reads the hour on the app\'s wall clock, across daylight saving and quarter-hour offsets', () => {
    expect(parseExportHour('2024030210', 'Asia/Shanghai')).toEqual({ date: '2024030210', from: Date.UTC(2024, 2, 2, 2), until: Date.UTC(2024, 2, 2, 3) });
    expect(parseExportHour('2024030210', 'Asia/Kathmandu').from).toBe(Date.UTC(2024, 2, 2, 4, 15));
    // New York springs from 02:00 to 03:00 on 2024-03-10 and falls back from 02:00 to 01:00 on 2024-11-03.
    const skipped = parseExportHour('2024031002', 'America/New_York');
    expect(skipped.until - skipped.from).toBe(0);
    const repeated = parseExportHour('2024110301', 'America/New_York');
    expect([repeated.from, repeated.until - repeated.from]).toEqual([Date.UTC(2024, 10, 3, 5), 2 * hourMs]);
  });
});
