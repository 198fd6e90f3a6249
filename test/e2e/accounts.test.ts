import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../src/client/node.js';
import { outboxStaleMs } from '../../src/core/delivery/outbox-relay.js';
import { decodeAppends } from '../../src/store/outbox.sql.js';
import { connectDevice, ManualClock, settle, type Device } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';
import { storageMode } from '../helpers/storage.js';
import { membershipTables, redisTraces, sqlTraces } from '../helpers/traces.js';

// Account deletion as the Go SDK (UserDeactivate, UserDeactivateQuery, UserReactivate, UserDelUsers,
// UserQuery) and the Java SDK (User.deactivate/deactivateList/reactivate/deleteSandBoxUsers/querySandBoxUsers) call it.
const hourMs = 3_600_000;
const realNow = Date.now();
/** Ten minutes into an hour that ended well over a minute ago, so its history file can be made. */
const base = Math.floor(realNow / hourMs) * hourMs - 2 * hourMs + 10 * 60_000;
const exportDate = new Date(base).toISOString().slice(0, 13).replace(/[-T]/g, '');
const clock = new ManualClock(base);

const gone = 'gone-7f3q';
let t: TestServer;
let app: TestApp;
let oldToken: string;
let goneDevice: Device;
let goneBroadcast: string;
let cyBroadcast: string;

beforeAll(async () => {
  t = await startServer({ clock, apps: [{ features: { historyPrivateGroup: true, historyChatroom: true, multiDeviceSync: true } }] });
  app = t.app();
});
afterAll(() => t.close());

const ok = async (path: string, body: Record<string, unknown>, json = false) => {
  const res = await app.post(path, body as never, { json });
  expect(res.body.code, `${path} ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
};
const txt = (s: string) => JSON.stringify({ content: s });
const connectWith = async (token: string) => {
  const client = new ParleyClient({ url: t.wsUrl, token, deviceId: 'again', platform: 'ios', reconnect: false });
  try {
    await client.connect();
    return 'connected';
  } catch (err) {
    return (err as { code?: number }).code;
  } finally {
    await client.close();
  }
};
/** Which membership rows of the user are there (they must survive). */
const memberships = async () =>
  (await t.deps.sql.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM group_members WHERE user_id = $1) + (SELECT count(*) FROM ultra_group_members WHERE user_id = $1) AS n`,
    [gone],
  )).rows[0]!.n;

/** What a scan of every table and Redis key family finds of the user, memberships aside. */
async function traces(): Promise<{ sql: Record<string, number>; redis: string[] }> {
  const sql = Object.fromEntries(Object.entries(await sqlTraces(t.deps.sql, gone)).filter(([column]) => !membershipTables.includes(column.split('.')[0]!)));
  if (storageMode === 'embedded') return { sql, redis: [] };
  // Other users' inbox streams keep the copies of messages the user sent them until they age
  // out (offlineMessageDays): deleting entries would break those users' seq (docs/decisions.md).
  const othersInbox = (key: string) => key.includes(`:inbox:${app.appKey}:`) && !key.endsWith(`:${gone}`);
  return { sql, redis: await redisTraces(t.deps.redis as Redis, t.storage.redisNamespace, gone, othersInbox) };
}

describe('deactivating an account', () => {
  it('leaves the user everywhere in the stores before it', async () => {
    oldToken = String((await ok('/user/getToken.json', { userId: gone, name: 'Gone', portraitUri: 'p' })).token);
    for (const userId of ['acc-bob', 'acc-cy']) await ok('/user/getToken.json', { userId, name: userId });
    await ok('/group/create.json', { userId: [gone, 'acc-bob'], groupId: 'acc-g', groupName: 'G' });
    await ok('/ultragroup/create.json', { userId: gone, groupId: 'acc-ug', groupName: 'UG' });
    await ok('/chatroom/create.json', { 'chatroom[acc-room]': 'Room' });
    goneDevice = await connectDevice(t, app, gone);
    const bob = await connectDevice(t, app, 'acc-bob');
    await goneDevice.client.request('chatroom.join', { chatroomId: 'acc-room' });
    await ok('/chatroom/entry/set.json', { chatroomId: 'acc-room', userId: gone, key: 'topic', value: 'v', autoDelete: 0 });
    await ok('/chatroom/user/whitelist/add.json', { chatroomId: 'acc-room', userId: gone });
    await ok('/chatroom/user/gag/add.json', { chatroomId: 'acc-room', userId: gone, minute: 10 });

    await goneDevice.client.request('send', { conversationType: 1, targetId: 'acc-bob', objectName: 'RC:TxtMsg', content: txt('from gone') });
    await ok('/message/private/publish.json', { fromUserId: 'acc-bob', toUserId: gone, objectName: 'RC:TxtMsg', content: txt('to gone') });
    await ok('/message/system/publish.json', { fromUserId: 'acc-cy', toUserId: gone, objectName: 'RC:TxtMsg', content: txt('notice') });
    await app.post('/message/private/publish.json', { fromUserId: gone, toUserId: 'acc-cy', objectName: 'RC:TxtMsg', content: txt('keyed'), isIncludeSender: 1 }, { headers: { 'Idempotency-Key': 'acc-key' } });
    await ok('/message/group/publish.json', { fromUserId: gone, toGroupId: 'acc-g', objectName: 'RC:TxtMsg', content: txt('to group') });
    await ok('/message/ultragroup/publish.json', { fromUserId: gone, toGroupIds: ['acc-ug'], objectName: 'RC:TxtMsg', content: txt('ug') }, true);
    await goneDevice.client.request('read', { conversationType: 1, targetId: 'acc-bob', lastReadTime: base });
    await bob.received(1);

    await ok('/user/blacklist/add.json', { userId: gone, blackUserId: 'acc-cy' });
    await ok('/user/blacklist/add.json', { userId: 'acc-cy', blackUserId: gone });
    await ok('/user/whitelist/add.json', { userId: 'acc-bob', whiteUserId: gone });
    await ok('/friend/add.json', { userId: gone, targetId: 'acc-bob', optType: 2 });
    await ok('/friend/permission/set.json', { userIds: gone, permissionType: 2 });
    await ok('/user/remarks/set.json', { userId: gone, remarks: JSON.stringify([{ id: 'acc-bob', remark: 'B' }]) });
    await ok('/user/remarks/set.json', { userId: 'acc-bob', remarks: JSON.stringify([{ id: gone, remark: 'G' }]) });
    await ok('/conversation/notification/set.json', { conversationType: 1, requestId: 'acc-bob', targetId: gone, isMuted: 1 });
    await ok('/conversation/notification/set.json', { conversationType: 3, requestId: gone, targetId: 'acc-g', isMuted: 1 });
    await ok('/conversation/top/set.json', { userId: 'acc-bob', conversationType: 1, targetId: gone, setTop: true });
    await ok('/user/chat/fb/set.json', { userId: gone, state: 1, type: 'PERSON' });

    clock.set(realNow);
    expect((await ok('/message/history.json', { date: exportDate })).url).not.toBe('');
    // Broadcasts: one it sent, and one whose job's cursor ends on it (the greatest id of the app).
    goneBroadcast = String((await ok('/message/broadcast.json', { fromUserId: gone, objectName: 'RC:TxtMsg', content: txt('from gone to all') })).messageUID);
    cyBroadcast = String((await ok('/message/broadcast.json', { fromUserId: 'acc-cy', objectName: 'RC:TxtMsg', content: txt('to all') })).messageUID);
    await t.deps.broadcasts.settle();
    // Inbox appends a committed send still owes (the inbox store refused them): to it alone, and to it and acc-bob.
    await ok('/group/join.json', { userId: 'acc-cy', groupId: 'acc-g' });
    const inbox = t.deps.inbox;
    const append = inbox.append.bind(inbox);
    inbox.append = () => Promise.reject(new Error('inbox store down (test)'));
    try {
      await ok('/message/private/publish.json', { fromUserId: 'acc-bob', toUserId: gone, objectName: 'RC:TxtMsg', content: txt('owed to gone') });
      await ok('/message/group/publish.json', { fromUserId: 'acc-cy', toGroupId: 'acc-g', objectName: 'RC:TxtMsg', content: txt('owed to both') });
    } finally {
      inbox.append = append;
    }
    await ok('/user/block.json', { userId: gone, minute: 10 });
    await goneDevice.client.close();

    const before = await traces();
    const tables = ['users', 'messages', 'conversation_states', 'user_relations', 'user_remarks', 'conversation_mutes', 'user_bans', 'private_chat_mutes', 'friend_permissions', 'chatroom_entries', 'chatroom_user_limits', 'chatroom_user_lists'];
    for (const table of [...tables, 'inbox_outbox', 'broadcast_jobs']) {
      expect(Object.keys(before.sql).some((column) => column.startsWith(`${table}.`)), table).toBe(true);
    }
    if (storageMode === 'services') expect(before.redis.length).toBeGreaterThan(0);
  });

  it('erases everything but its group memberships: a scan of every table and key family finds nothing', async () => {
    const res = await ok('/user/deactivate.json', { userId: `${gone},acc-nobody` });
    expect(res.operateId).toEqual(expect.any(String));
    const { sql, redis } = await traces();
    expect(sql).toEqual({ 'deactivated_users.user_id': 1 });
    expect(redis).toEqual([]);
    expect(await memberships()).toBe(2);
    expect((await t.deps.sql.query('SELECT 1 FROM history_exports')).rows).toEqual([]);
    expect((await ok('/group/user/query.json', { groupId: 'acc-g' })).users).toContainEqual({ id: gone });
    // Its broadcast went with it; another's job goes on from the user before it.
    expect((await app.post('/message/broadcast/status.json', { messageUID: goneBroadcast })).body.code).toBe(404);
    expect((await ok('/message/broadcast/status.json', { messageUID: cyBroadcast })).state).toBe('done');
    expect((await t.deps.sql.query('SELECT after_user FROM broadcast_jobs')).rows).toEqual([{ after_user: 'acc-cy' }]);
    // What the outbox owed acc-bob is still made; nothing gives the deleted user an inbox again.
    const owed = await t.deps.sql.query<{ appends: string }>('SELECT appends FROM inbox_outbox');
    expect(owed.rows.flatMap((row) => decodeAppends(row.appends).map((item) => item.userId))).toEqual(['acc-bob']);
    // The entry carries its commit's time on this clock: the relay takes it once it is stale.
    clock.advance(outboxStaleMs + 1);
    // Twice: a pass already running when the clock moved returns first.
    await t.deps.outboxRelay.pass();
    await t.deps.outboxRelay.pass();
    expect((await t.deps.sql.query('SELECT 1 FROM inbox_outbox')).rows).toEqual([]);
    const bobInbox = await t.deps.inbox.read(app.appKey, 'acc-bob', 0, 100, clock.now(), { retentionMs: 86_400_000, cap: 100 });
    expect(bobInbox.entries.map((e) => e.payload).filter((p) => p.includes('owed to both'))).toHaveLength(1);
    expect(await traces()).toEqual({ sql: { 'deactivated_users.user_id': 1 }, redis: [] });
    if (storageMode === 'embedded') {
      const inbox = await t.deps.inbox.read(app.appKey, gone, 0, 10, clock.now(), { retentionMs: 86_400_000, cap: 100 });
      expect(inbox.entries).toEqual([]);
      expect(await t.deps.chatroomMembers.users(app.appKey, 'acc-room')).toEqual([]);
      expect(await t.deps.presence.list(app.appKey, gone)).toEqual([]);
    }
  });

  it('while deactivated: listed, no token, no session, no profile', async () => {
    // Oldest deactivation first, then by id; the Go SDK asks with a doubled slash.
    expect((await ok('/user/deactivate/query.json', { pageNo: 1, pageSize: 50 })).users).toEqual(['acc-nobody', gone]);
    expect((await ok('//user/deactivate/query.json', { pageNo: 2, pageSize: 1 })).users).toEqual([gone]);
    const refused = await app.post('/user/getToken.json', { userId: gone, name: 'Again' });
    expect([refused.status, refused.body.code]).toEqual([403, 31029]);
    expect(await connectWith(oldToken)).toBe(31029);
    expect((await app.post('/user/info.json', { userId: gone })).body.code).toBe(1002);
    expect((await ok('/user/checkOnline.json', { userId: gone })).status).toBe('0');
  });

  it('a reactivated user starts empty and old tokens stay dead', async () => {
    expect((await ok('/user/reactivate.json', { userId: gone })).operateId).toEqual(expect.any(String));
    expect((await ok('/user/activate.json', { userId: 'acc-nobody' })).operateId).toEqual(expect.any(String));
    expect((await ok('/user/deactivate/query.json', {})).users).toEqual([]);
    clock.advance(1);
    const token = String((await ok('/user/getToken.json', { userId: gone, name: 'Back' })).token);
    expect(await connectWith(oldToken)).toBe(31004);
    const back = await connectDevice(t, app, gone, { token, deviceId: 'new-phone' });
    await settle();
    expect(back.messages).toEqual([]);
    expect((await back.client.request<{ conversations: unknown[] }>('conversations')).conversations.filter((c) => (c as { conversationType: number }).conversationType !== 3 && (c as { conversationType: number }).conversationType !== 10)).toEqual([]);
    expect((await back.client.request<{ messages: unknown[] }>('history', { conversationType: 1, targetId: 'acc-bob' })).messages).toEqual([]);
    expect((await ok('/user/blacklist/query.json', { userId: gone })).users).toEqual([]);
    expect((await ok('/friend/get.json', { userId: gone })).friendList).toEqual([]);
    expect((await ok('/user/remarks/get.json', { userId: gone })).users).toEqual([]);
    // Only its new registration (connectDevice names it `name-<id>`).
    expect((await traces()).sql).toEqual({ 'users.user_id': 1, 'users.name': 1 });
    // It may send one-to-one again (the mute went with the account).
    await back.client.request('send', { conversationType: 1, targetId: 'acc-bob', objectName: 'RC:TxtMsg', content: txt('back') });
    await back.close();
  });
});

describe('deleting users (/user/delusers.json) and listing them (/user/query.json)', () => {
  it('delete erases without remembering: the id registers again at once, empty', async () => {
    const token = String((await ok('/user/getToken.json', { userId: 'del-a', name: 'A' })).token);
    await ok('/message/private/publish.json', { fromUserId: 'del-b', toUserId: 'del-a', objectName: 'RC:TxtMsg', content: txt('x') });
    // The Go SDK repeats the key; the Java SDK joins with commas.
    await ok('/user/delusers.json', { userId: ['del-a', 'del-x'] });
    await ok('/user/delusers.json', { userId: 'del-y,del-z' });
    clock.advance(1);
    expect(await sqlTraces(t.deps.sql, 'del-a')).toEqual({});
    expect((await ok('/user/deactivate/query.json', {})).users).toEqual([]);
    const again = String((await ok('/user/getToken.json', { userId: 'del-a', name: 'A2' })).token);
    expect(await connectWith(token)).toBe(31004);
    expect(await connectWith(again)).toBe('connected');
  });

  it('query pages the users by registration time, oldest first or newest first', async () => {
    const all = await ok('/user/query.json', { page: 1, pageSize: 100, order: 0 });
    const ids = (all.users as Array<{ userId: string }>).map((u) => u.userId);
    expect(all.total).toBe(ids.length);
    expect(all.users).toContainEqual({ userId: 'acc-cy', userName: 'acc-cy', userPortrait: '', regTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
    const newest = await ok('/user/query.json', { page: 1, pageSize: 2, order: 1 });
    expect((newest.users as Array<{ userId: string }>).map((u) => u.userId)).toEqual(ids.slice(-2).reverse());
    // The Go SDK's defaults when its caller passes nothing: page=1, pageSize=20, order=0.
    expect((await ok('/user/query.json', { page: 1, pageSize: 20, order: 0 })).users).toHaveLength(Math.min(20, ids.length));
  });
});

describe('bad account input gets 1002 and changes nothing', () => {
  const many = Array.from({ length: 101 }, (_, i) => `m${i}`).join(',');
  it.each([
    ['/user/deactivate.json', {}],
    ['/user/deactivate.json', { userId: many }],
    ['/user/deactivate.json', { userId: 'bad id!' }],
    ['/user/deactivate/query.json', { pageSize: 51 }],
    ['/user/deactivate/query.json', { pageNo: -1 }],
    ['/user/reactivate.json', {}],
    ['/user/delusers.json', { userId: many }],
    ['/user/query.json', { order: 2 }],
    ['/user/query.json', { pageSize: 101 }],
  ])('%s %j', async (path, body) => {
    const res = await app.post(path, body);
    expect([res.status, res.body.code]).toEqual([400, 1002]);
  });

  it('wrote none of it', async () => {
    expect((await ok('/user/deactivate/query.json', {})).users).toEqual([]);
    expect((await app.post('/user/info.json', { userId: 'acc-bob' })).body.code).toBe(200);
  });
});

describe('a broadcast whose sender is deleted while it runs', () => {
  it('stops at its next page: users reached keep it, the rest never get it', async () => {
    await ok('/user/getToken.json', { userId: 'bc-sender', name: 'Sender' });
    await t.deps.sql.query(
      `INSERT INTO users (app_key, user_id, created_at) SELECT $1, 'bc-' || lpad(n::text, 4, '0'), $2 FROM generate_series(0, 1199) AS n`,
      [app.appKey, clock.now()],
    );
    // The first page's append waits until the sender is deleted.
    const inbox = t.deps.inbox;
    const append = inbox.append.bind(inbox);
    let entered!: () => void;
    let release!: () => void;
    const inFirstPage = new Promise<void>((resolve) => (entered = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    inbox.append = async (...args) => {
      if (args[1].some((item) => item.userId === 'bc-0000')) {
        entered();
        await released;
      }
      return append(...args);
    };
    try {
      const messageUID = String((await ok('/message/broadcast.json', { fromUserId: 'bc-sender', objectName: 'RC:TxtMsg', content: txt('half') })).messageUID);
      await inFirstPage;
      await ok('/user/delusers.json', { userId: 'bc-sender' });
      release();
      await t.deps.broadcasts.settle();
      expect((await app.post('/message/broadcast/status.json', { messageUID })).body.code).toBe(404);
      const got = async (userId: string) =>
        (await t.deps.inbox.read(app.appKey, userId, 0, 10, clock.now(), { retentionMs: 86_400_000, cap: 100 })).entries.some((e) => e.payload.includes(messageUID));
      expect(await got('bc-0000')).toBe(true);
      expect(await got('bc-1199')).toBe(false);
    } finally {
      release();
      inbox.append = append;
    }
  });
});
