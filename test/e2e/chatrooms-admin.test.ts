import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/core/apps.js';
import { ChatroomService } from '../../src/core/chatrooms.js';
import type { RoomMember } from '../../src/store/chatroom-members.js';
import { createMemoryChatroomMembers } from '../../src/store/chatroom-members.memory.js';
import { createSqlChatroomStore } from '../../src/store/chatrooms.sql.js';
import { ManualClock } from '../helpers/device.js';
import { startServer, type FormBody, type TestApp, type TestServer } from '../helpers/server.js';

const clock = new ManualClock(Date.UTC(2030, 0, 1));
let t: TestServer;
let app: TestApp;
let imApp: App;

beforeAll(async () => {
  t = await startServer({ clock });
  app = t.app();
  imApp = t.deps.apps.get(app.appKey)!;
});
afterAll(() => t.close());

const timeText = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
const ok = async (path: string, body: FormBody = {}) => {
  const response = await app.post(path, body);
  expect(response.body, path).toMatchObject({ code: 200 });
  return response.body;
};
const fails = async (path: string, body: FormBody, code: number) => {
  const response = await app.post(path, body);
  expect(response.body.code, path).toBe(code);
  return response.body;
};
const create = (...roomIds: string[]) => ok('/chatroom/create.json', Object.fromEntries(roomIds.map((r) => [`chatroom[${r}]`, `name of ${r}`])));
let sessionCounter = 0;
const join = (roomId: string, userId: string) =>
  t.deps.chatroomMembers.join(app.appKey, roomId, { sessionId: `s${++sessionCounter}`, userId, nodeId: t.deps.nodeId, joinedAt: clock.now() + sessionCounter });
const canSend = (roomId: string, userId: string, objectName = 'RC:TxtMsg') => t.deps.chatrooms.assertCanSend(imApp, roomId, userId, objectName);

describe('rooms', () => {
  it('create (chatroom[<id>] keys) / query / get / destroy', async () => {
    await create('r-a', 'r-b');
    const query = await ok('/chatroom/query.json', { chatroomId: ['r-a', 'r-b', 'r-unknown'] });
    expect(query.chatRooms).toEqual([
      { chrmId: 'r-a', name: 'name of r-a', time: expect.stringMatching(timeText) as unknown },
      { chrmId: 'r-b', name: 'name of r-b', time: expect.stringMatching(timeText) as unknown },
    ]);
    expect(await ok('/chatroom/get.json', { chatroomId: 'r-a' })).toEqual({
      code: 200, chatroomId: 'r-a', createTime: clock.now(), memberCount: 0, destroyType: 0, destroyTime: 0, ban: false,
    });
    await join('r-a', 'u1');
    expect((await ok('/chatroom/get.json', { chatroomId: 'r-a' })).memberCount).toBe(1);

    await ok('/chatroom/destroy.json', { chatroomId: ['r-a', 'r-never'] });
    expect((await ok('/chatroom/query.json', { chatroomId: ['r-a', 'r-b'] })).chatRooms).toEqual([expect.objectContaining({ chrmId: 'r-b' })]);
    expect(await t.deps.chatroomMembers.users(app.appKey, 'r-a')).toEqual([]);
    await fails('/chatroom/get.json', { chatroomId: 'r-a' }, 23410);
    await fails('/chatroom/user/gag/add.json', { chatroomId: 'r-a', userId: 'u1', minute: 5 }, 23410);
  });

  it('refuses a create without rooms or with one bad id, creating none of them', async () => {
    await fails('/chatroom/create.json', {}, 1002);
    await fails('/chatroom/create.json', { 'chatroom[good-1]': 'fine', 'chatroom[bad id]': 'x' }, 1002);
    await fails('/chatroom/create.json', { [`chatroom[${'x'.repeat(65)}]`]: 'long' }, 1002);
    expect((await ok('/chatroom/query.json', { chatroomId: 'good-1' })).chatRooms).toEqual([]);
    await fails('/chatroom/destroy.json', {}, 1002);
  });

  it('create_new sets mute, its whitelist and attributes; destroy/set records the policy', async () => {
    await ok('/chatroom/create_new.json', {
      chatroomId: 'r-new', destroyType: 1, destroyTime: 60, isBan: 'true', whiteUserIds: ['w1', 'w2'],
      entryOwnerId: 'owner', entryInfo: JSON.stringify({ topic: 'news', mode: 'quiet' }),
    });
    expect(await ok('/chatroom/get.json', { chatroomId: 'r-new' })).toMatchObject({ destroyType: 1, destroyTime: 60, ban: true });
    expect((await ok('/chatroom/user/ban/whitelist/query.json', { chatroomId: 'r-new' })).userIds).toEqual(['w1', 'w2']);
    expect((await ok('/chatroom/entry/query.json', { chatroomId: 'r-new' })).keys).toEqual([
      { key: 'mode', value: 'quiet', userId: 'owner', autoDelete: '0', lastSetTime: expect.stringMatching(timeText) as unknown },
      { key: 'topic', value: 'news', userId: 'owner', autoDelete: '0', lastSetTime: expect.stringMatching(timeText) as unknown },
    ]);
    await ok('/chatroom/destroy/set.json', { chatroomId: 'r-new', destroyType: 0 });
    expect(await ok('/chatroom/get.json', { chatroomId: 'r-new' })).toMatchObject({ destroyType: 0, destroyTime: 0 });
    await fails('/chatroom/destroy/set.json', { chatroomId: 'r-nope', destroyType: 0 }, 23410);
    await fails('/chatroom/create_new.json', { chatroomId: 'r-new2', entryInfo: '{"a":"b"}' }, 1002);
    await fails('/chatroom/create_new.json', { chatroomId: 'r-new2', entryOwnerId: 'o', entryInfo: 'not json' }, 1002);
    expect((await ok('/chatroom/query.json', { chatroomId: 'r-new2' })).chatRooms).toEqual([]);
  });
});

describe('who is in a room', () => {
  it('user/query, users/exist and user/exist read the members store', async () => {
    await create('r-m');
    await join('r-m', 'm1');
    await join('r-m', 'm2');
    await join('r-m', 'm1');
    await join('r-m', 'm3');
    const all = await ok('/chatroom/user/query.json', { chatroomId: 'r-m' });
    expect(all.total).toBe(3);
    expect(all.users).toEqual(['m1', 'm2', 'm3'].map((id) => ({ id, time: expect.stringMatching(timeText) as unknown })));
    const latest = await ok('/chatroom/user/query.json', { chatroomId: 'r-m', count: 2, order: 2 });
    expect(latest).toMatchObject({ total: 3, users: [{ id: 'm3' }, { id: 'm2' }] });
    expect((await ok('/chatroom/users/exist.json', { chatroomId: 'r-m', userId: ['m2', 'zz'] })).result).toEqual([
      { userId: 'm2', isInChrm: 1 },
      { userId: 'zz', isInChrm: 0 },
    ]);
    expect((await ok('/chatroom/user/exist.json', { chatroomId: 'r-m', userId: 'm1' })).isInChrm).toBe(true);
    expect((await ok('/chatroom/user/exist.json', { chatroomId: 'r-m', userId: 'zz' })).isInChrm).toBe(false);

    await fails('/chatroom/user/query.json', { chatroomId: 'r-m', count: 501 }, 1002);
    await fails('/chatroom/users/exist.json', { chatroomId: 'r-m', userId: Array.from({ length: 1001 }, (_, i) => `u${i}`) }, 1002);
    await fails('/chatroom/user/query.json', { chatroomId: 'r-none' }, 23410);
    await fails('/chatroom/users/exist.json', { chatroomId: 'r-none', userId: 'm1' }, 23410);
    await fails('/chatroom/user/exist.json', { chatroomId: 'r-none', userId: 'm1' }, 23410);
  });
});

describe('gag, ban, block', () => {
  it('a gag refuses sends in its room until it ends by itself', async () => {
    await create('r-g', 'r-g2');
    await fails('/chatroom/user/gag/add.json', { chatroomId: 'r-g', userId: 'g1', minute: 0 }, 1002);
    await fails('/chatroom/user/gag/add.json', { chatroomId: 'r-g', userId: 'g1', minute: 43_201 }, 1002);
    await fails('/chatroom/user/gag/add.json', { chatroomId: 'r-g', userId: Array.from({ length: 21 }, (_, i) => `g${i}`), minute: 1 }, 1002);
    expect((await ok('/chatroom/user/gag/list.json', { chatroomId: 'r-g' })).users).toEqual([]);

    await ok('/chatroom/user/gag/add.json', { chatroomId: 'r-g', userId: ['g1', 'g2'], minute: 1, needNotify: 'false' });
    expect((await ok('/chatroom/user/gag/list.json', { chatroomId: 'r-g' })).users).toEqual([
      { userId: 'g1', time: expect.stringMatching(timeText) as unknown },
      { userId: 'g2', time: expect.stringMatching(timeText) as unknown },
    ]);
    await expect(canSend('r-g', 'g1')).rejects.toMatchObject({ code: 23408 });
    await canSend('r-g2', 'g1');
    await ok('/chatroom/user/gag/rollback.json', { chatroomId: 'r-g', userId: 'g2' });
    await canSend('r-g', 'g2');

    clock.advance(60_001);
    await canSend('r-g', 'g1');
    expect((await ok('/chatroom/user/gag/list.json', { chatroomId: 'r-g' })).users).toEqual([]);
    await expect(canSend('r-unknown', 'g1')).rejects.toMatchObject({ code: 23410 });
    await fails('/chatroom/user/gag/list.json', { chatroomId: 'r-unknown' }, 23410);
  });

  it('an app-wide ban refuses sends in every room, except to whitelisted users and message types', async () => {
    await create('r-b1', 'r-b2');
    await fails('/chatroom/user/ban/add.json', { userId: 'b1' }, 1002);
    expect((await ok('/chatroom/user/ban/query.json')).users).toEqual([]);
    await ok('/chatroom/user/ban/add.json', { userId: ['b1', 'b2'], minute: 10 });
    expect((await ok('/chatroom/user/ban/query.json')).users).toEqual([
      { userId: 'b1', time: expect.stringMatching(timeText) as unknown },
      { userId: 'b2', time: expect.stringMatching(timeText) as unknown },
    ]);
    await expect(canSend('r-b1', 'b1')).rejects.toMatchObject({ code: 23408 });
    await expect(canSend('r-b2', 'b1')).rejects.toMatchObject({ code: 23408 });

    await ok('/chatroom/user/whitelist/add.json', { chatroomId: 'r-b1', userId: 'b1' });
    expect((await ok('/chatroom/user/whitelist/query.json', { chatroomId: 'r-b1' })).users).toEqual(['b1']);
    await canSend('r-b1', 'b1');
    await expect(canSend('r-b2', 'b1')).rejects.toMatchObject({ code: 23408 });

    await ok('/chatroom/whitelist/add.json', { objectnames: ['RC:CmdMsg', 'App:Gift'] });
    expect((await ok('/chatroom/whitelist/query.json')).whitlistMsgType).toEqual(['App:Gift', 'RC:CmdMsg']);
    await canSend('r-b2', 'b1', 'App:Gift');
    await ok('/chatroom/whitelist/delete.json', { objectnames: 'App:Gift' });
    await expect(canSend('r-b2', 'b1', 'App:Gift')).rejects.toMatchObject({ code: 23408 });

    await ok('/chatroom/user/whitelist/remove.json', { chatroomId: 'r-b1', userId: 'b1' });
    await expect(canSend('r-b1', 'b1')).rejects.toMatchObject({ code: 23408 });
    await ok('/chatroom/user/ban/remove.json', { userId: 'b1' });
    await canSend('r-b1', 'b1');
    expect((await ok('/chatroom/user/ban/query.json')).users).toEqual([expect.objectContaining({ userId: 'b2' })]);
    await fails('/chatroom/user/whitelist/add.json', { chatroomId: 'r-none', userId: 'b1' }, 23410);
  });

  it('a block kicks the user out and refuses joins and sends until lifted', async () => {
    await create('r-k');
    await join('r-k', 'k1');
    await join('r-k', 'k1');
    await join('r-k', 'k2');
    await ok('/chatroom/user/block/add.json', { chatroomId: 'r-k', userId: 'k1', minute: 5 });
    expect((await ok('/chatroom/users/exist.json', { chatroomId: 'r-k', userId: ['k1', 'k2'] })).result).toEqual([
      { userId: 'k1', isInChrm: 0 },
      { userId: 'k2', isInChrm: 1 },
    ]);
    expect((await ok('/chatroom/user/block/list.json', { chatroomId: 'r-k' })).users).toEqual([{ userId: 'k1', time: expect.stringMatching(timeText) as unknown }]);
    await expect(t.deps.chatrooms.assertCanJoin(imApp, 'r-k', 'k1')).rejects.toMatchObject({ code: 23409 });
    await expect(canSend('r-k', 'k1')).rejects.toMatchObject({ code: 23409 });
    await t.deps.chatrooms.assertCanJoin(imApp, 'r-k', 'k2');
    await expect(t.deps.chatrooms.assertCanJoin(imApp, 'r-none', 'k2')).rejects.toMatchObject({ code: 23410 });

    await ok('/chatroom/user/block/rollback.json', { chatroomId: 'r-k', userId: 'k1' });
    await t.deps.chatrooms.assertCanJoin(imApp, 'r-k', 'k1');
    expect((await ok('/chatroom/user/block/list.json', { chatroomId: 'r-k' })).users).toEqual([]);
    await fails('/chatroom/user/block/add.json', { chatroomId: 'r-none', userId: 'k1', minute: 5 }, 23410);
    await fails('/chatroom/user/block/add.json', { chatroomId: 'r-k', userId: 'bad id', minute: 5 }, 1002);
  });

  it('a whole-room mute refuses everyone but its whitelist and the user whitelist', async () => {
    await create('r-mute');
    await ok('/chatroom/ban/add.json', { chatroomId: 'r-mute' });
    expect((await ok('/chatroom/ban/check.json', { chatroomId: 'r-mute' })).status).toBe(1);
    expect((await ok('/chatroom/ban/query.json')).chatroomIds).toContain('r-mute');
    await expect(canSend('r-mute', 'x1')).rejects.toMatchObject({ code: 23408 });
    await ok('/chatroom/user/ban/whitelist/add.json', { chatroomId: 'r-mute', userId: ['x1'] });
    await ok('/chatroom/user/whitelist/add.json', { chatroomId: 'r-mute', userId: ['x2'] });
    await canSend('r-mute', 'x1');
    await canSend('r-mute', 'x2');
    await ok('/chatroom/user/ban/whitelist/rollback.json', { chatroomId: 'r-mute', userId: 'x1' });
    expect((await ok('/chatroom/user/ban/whitelist/query.json', { chatroomId: 'r-mute' })).userIds).toEqual([]);
    await expect(canSend('r-mute', 'x1')).rejects.toMatchObject({ code: 23408 });
    await ok('/chatroom/ban/rollback.json', { chatroomId: 'r-mute' });
    expect((await ok('/chatroom/ban/check.json', { chatroomId: 'r-mute' })).status).toBe(0);
    expect((await ok('/chatroom/ban/query.json')).chatroomIds).not.toContain('r-mute');
    await canSend('r-mute', 'x1');
    await fails('/chatroom/ban/add.json', { chatroomId: 'r-none' }, 23410);
    await fails('/chatroom/ban/check.json', { chatroomId: 'r-none' }, 23410);
  });
});

describe('message lists, distribution, keep-alive', () => {
  it('priority objectNames add / query / remove', async () => {
    await ok('/chatroom/message/priority/add.json', { objectName: ['RC:TxtMsg', 'RC:ImgMsg'] });
    expect((await ok('/chatroom/message/priority/query.json')).objectNames).toEqual(['RC:ImgMsg', 'RC:TxtMsg']);
    await ok('/chatroom/message/priority/remove.json', { objectName: 'RC:ImgMsg' });
    expect((await ok('/chatroom/message/priority/query.json')).objectNames).toEqual(['RC:TxtMsg']);
    await fails('/chatroom/message/priority/add.json', { objectName: 'x'.repeat(33) }, 1002);
    await fails('/chatroom/whitelist/add.json', {}, 1002);
  });

  it('stop / resume distribution and keep-alive', async () => {
    await create('r-d');
    await ok('/chatroom/message/stopDistribution.json', { chatroomId: 'r-d' });
    expect(await t.deps.chatrooms.isDistributionStopped(imApp, 'r-d')).toBe(true);
    await ok('/chatroom/message/resumeDistribution.json', { chatroomId: 'r-d' });
    expect(await t.deps.chatrooms.isDistributionStopped(imApp, 'r-d')).toBe(false);
    await fails('/chatroom/message/stopDistribution.json', { chatroomId: 'r-none' }, 23410);

    await ok('/chatroom/keepalive/add.json', { chatroomId: 'r-d' });
    expect((await ok('/chatroom/keepalive/query.json')).chatroomIds).toEqual(['r-d']);
    await ok('/chatroom/keepalive/remove.json', { chatroomId: 'r-d' });
    expect((await ok('/chatroom/keepalive/query.json')).chatroomIds).toEqual([]);
    await fails('/chatroom/keepalive/add.json', { chatroomId: 'r-none' }, 23410);
    await fails('/chatroom/keepalive/add.json', {}, 1002);
  });
});

describe('attributes (KV)', () => {
  it('set / query / remove, with 23427 for an unset key and 23410 for an unknown room', async () => {
    await create('r-kv');
    await ok('/chatroom/entry/set.json', { chatroomId: 'r-kv', userId: 'op', key: 'title', value: 'Hello', autoDelete: 1 });
    await ok('/chatroom/entry/set.json', { chatroomId: 'r-kv', userId: 'op2', key: 'a+b=c_d-e', value: 'x' });
    const all = await ok('/chatroom/entry/query.json', { chatroomId: 'r-kv' });
    expect(all.keys).toEqual([
      { key: 'a+b=c_d-e', value: 'x', userId: 'op2', autoDelete: '0', lastSetTime: expect.stringMatching(timeText) as unknown },
      { key: 'title', value: 'Hello', userId: 'op', autoDelete: '1', lastSetTime: expect.stringMatching(timeText) as unknown },
    ]);
    expect((await ok('/chatroom/entry/query.json', { chatroomId: 'r-kv', keys: ['title', 'nope'] })).keys).toEqual([expect.objectContaining({ key: 'title' })]);
    await ok('/chatroom/entry/remove.json', { chatroomId: 'r-kv', userId: 'op', key: 'title' });
    await fails('/chatroom/entry/remove.json', { chatroomId: 'r-kv', userId: 'op', key: 'title' }, 23427);
    expect((await ok('/chatroom/entry/query.json', { chatroomId: 'r-kv' })).keys).toEqual([expect.objectContaining({ key: 'a+b=c_d-e' })]);

    await fails('/chatroom/entry/set.json', { chatroomId: 'r-none', userId: 'op', key: 'k', value: 'v' }, 23410);
    await fails('/chatroom/entry/query.json', { chatroomId: 'r-none' }, 23410);
    await fails('/chatroom/entry/remove.json', { chatroomId: 'r-none', userId: 'op', key: 'k' }, 23410);
  });

  it('refuses bad keys and values, writing nothing', async () => {
    await create('r-kv-bad');
    const bad = [
      { key: 'has space', value: 'v' },
      { key: 'k'.repeat(129), value: 'v' },
      { key: 'k', value: 'v'.repeat(4097) },
      { key: 'k', value: '' },
      { key: '', value: 'v' },
      // An app-given notice its type refuses (RC:CmdMsg needs `name`): checked before the entry is written.
      { key: 'k', value: 'v', objectName: 'RC:CmdMsg', content: JSON.stringify({ messageUId: 'AAAA-AAAA-AAAA-AAAA' }) },
    ];
    for (const entry of bad) await fails('/chatroom/entry/set.json', { chatroomId: 'r-kv-bad', userId: 'op', ...entry }, 1002);
    await ok('/chatroom/entry/set.json', { chatroomId: 'r-kv-bad', userId: 'op', key: 'k'.repeat(128), value: 'é'.repeat(4096) });
    expect((await ok('/chatroom/entry/query.json', { chatroomId: 'r-kv-bad' })).keys).toHaveLength(1);
    await fails('/chatroom/entry/query.json', { chatroomId: 'r-kv-bad', keys: Array.from({ length: 101 }, (_, i) => `k${i}`) }, 1002);
  });

  it('holds at most 100 keys per room; overwriting an existing key still works when full', async () => {
    await create('r-kv-full');
    const entryInfo = (from: number) => JSON.stringify(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${from + i}`, 'v'])));
    for (let i = 0; i < 100; i += 20) await ok('/chatroom/entry/batch/set.json', { chatroomId: 'r-kv-full', entryOwnerId: 'op', entryInfo: entryInfo(i) });
    await fails('/chatroom/entry/set.json', { chatroomId: 'r-kv-full', userId: 'op', key: 'one-more', value: 'v' }, 1002);
    await ok('/chatroom/entry/set.json', { chatroomId: 'r-kv-full', userId: 'op', key: 'k5', value: 'new' });
    const keys = (await ok('/chatroom/entry/query.json', { chatroomId: 'r-kv-full' })).keys as Array<{ key: string; value: string }>;
    expect(keys).toHaveLength(100);
    expect(keys.find((k) => k.key === 'k5')?.value).toBe('new');
  });
});

describe('ChatroomService hooks', () => {
  const setup = () => {
    const members = createMemoryChatroomMembers();
    const removed: Array<{ roomId: string; sessions: string[] }> = [];
    const notices: Array<{ roomId: string; from: string; objectName: string; content: unknown }> = [];
    const service = new ChatroomService(createSqlChatroomStore(t.deps.sql), members, clock, {
      onRemoved: async (_app, roomId, gone: RoomMember[]) => {
        removed.push({ roomId, sessions: gone.map((m) => m.sessionId).sort() });
      },
      notifyRoom: async (_app, roomId, from, objectName, content) => {
        notices.push({ roomId, from, objectName, content: JSON.parse(content) as unknown });
      },
    });
    const member = (userId: string, sessionId: string): RoomMember => ({ userId, sessionId, nodeId: 'n', joinedAt: clock.now() });
    return { members, removed, notices, service, member };
  };

  it('attribute set and remove send RC:chrmKVNotiMsg to the room', async () => {
    const { service, notices } = setup();
    await service.create(imApp, [{ roomId: 'h-kv', name: 'kv' }]);
    await service.setEntry(imApp, 'h-kv', 'op', { key: 'k', value: 'v1', autoDelete: false }, { objectName: 'RC:chrmKVNotiMsg', content: '{"type":1,"key":"k","value":"v1","extra":"hi"}' });
    await service.removeEntry(imApp, 'h-kv', 'op', 'k');
    expect(notices).toEqual([
      { roomId: 'h-kv', from: 'op', objectName: 'RC:chrmKVNotiMsg', content: { type: 1, key: 'k', value: 'v1', extra: 'hi' } },
      { roomId: 'h-kv', from: 'op', objectName: 'RC:chrmKVNotiMsg', content: { type: 2, key: 'k', value: 'v1' } },
    ]);
  });

  it('block removes the user\'s sessions and their auto-delete attributes; destroy clears the room', async () => {
    const { service, members, removed, notices, member } = setup();
    await service.create(imApp, [{ roomId: 'h-room', name: 'h' }]);
    await members.join(imApp.appKey, 'h-room', member('a', 'a-1'));
    await members.join(imApp.appKey, 'h-room', member('a', 'a-2'));
    await members.join(imApp.appKey, 'h-room', member('b', 'b-1'));
    await service.setEntry(imApp, 'h-room', 'a', { key: 'mine', value: 'x', autoDelete: true });
    await service.setEntry(imApp, 'h-room', 'b', { key: 'keep', value: 'y', autoDelete: false });
    notices.length = 0;

    await service.block(imApp, 'h-room', ['a'], 5);
    expect(removed).toEqual([{ roomId: 'h-room', sessions: ['a-1', 'a-2'] }]);
    expect((await members.users(imApp.appKey, 'h-room')).map((u) => u.userId)).toEqual(['b']);
    expect(notices).toEqual([{ roomId: 'h-room', from: 'a', objectName: 'RC:chrmKVNotiMsg', content: { type: 2, key: 'mine', value: 'x' } }]);

    await service.destroy(imApp, ['h-room']);
    expect(removed[1]).toEqual({ roomId: 'h-room', sessions: ['b-1'] });
    expect(await members.users(imApp.appKey, 'h-room')).toEqual([]);
    await service.create(imApp, [{ roomId: 'h-room', name: 'again' }]);
    expect(await service.entries(imApp, 'h-room')).toEqual([]);
    await service.assertCanJoin(imApp, 'h-room', 'a');
  });

  it('userLeft drops the leaver\'s auto-delete attributes only', async () => {
    const { service, notices } = setup();
    await service.create(imApp, [{ roomId: 'h-left', name: 'l' }]);
    await service.setEntry(imApp, 'h-left', 'a', { key: 'auto', value: '1', autoDelete: true });
    await service.setEntry(imApp, 'h-left', 'a', { key: 'stay', value: '2', autoDelete: false });
    notices.length = 0;
    await service.userLeft(imApp, 'h-left', 'a');
    expect((await service.entries(imApp, 'h-left')).map((e) => e.key)).toEqual(['stay']);
    expect(notices).toHaveLength(1);
  });
});
