import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/core/apps.js';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

let t: TestServer;
let app: TestApp;
let imApp: App;
beforeAll(async () => {
  t = await startServer();
  app = t.app();
  imApp = t.deps.apps.get(app.appKey)!;
});
afterAll(() => t.close());

const ok = (res: { body: { code: number } }) => expect(res.body.code, JSON.stringify(res.body)).toBe(200);
const usersIn = async (chatroomId: string) => ((await app.post('/chatroom/user/query.json', { chatroomId, count: 500, order: 1 })).body.users as Array<{ id: string }>).map((u) => u.id);

describe('chatroom.join racing a block', () => {
  it('a block landing between the join\'s check and its write does not let the user in', async () => {
    ok(await app.post('/chatroom/create.json', { 'chatroom[race-room]': 'Race' }));
    const device = await connectDevice(t, app, 'race-u');
    const members = t.deps.chatroomMembers;
    const join = members.join.bind(members);
    // The block is written after the join's check and before its write: the worst interleaving.
    members.join = async (appKey, roomId, member) => {
      if (member.userId === 'race-u') ok(await app.post('/chatroom/user/block/add.json', { chatroomId: 'race-room', userId: 'race-u', minute: 10 }));
      await join(appKey, roomId, member);
    };
    try {
      await expect(device.client.request('chatroom.join', { chatroomId: 'race-room' })).rejects.toMatchObject({ code: 23409 });
    } finally {
      members.join = join;
    }
    expect(await usersIn('race-room')).toEqual([]);
    ok(await app.post('/message/chatroom/publish.json', { fromUserId: 'race-admin', toChatroomId: 'race-room', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'members only' }) }));
    await settle();
    expect(device.messages).toEqual([]);
  });
});

describe('/chatroom/create_new on an existing room', () => {
  const createNew = (chatroomId: string, extra: Record<string, string | number>) =>
    app.post('/chatroom/create_new.json', { chatroomId, destroyType: 1, destroyTime: 60, isBan: 'true', ...extra });
  const settingsOf = async (chatroomId: string) => ({
    room: (await app.post('/chatroom/get.json', { chatroomId })).body,
    whitelist: (await app.post('/chatroom/user/ban/whitelist/query.json', { chatroomId })).body.userIds,
    keys: ((await app.post('/chatroom/entry/query.json', { chatroomId })).body.keys as unknown[]).length,
  });

  it('is all or nothing: attributes that do not fit leave the room exactly as it was', async () => {
    ok(await app.post('/chatroom/create.json', { 'chatroom[cn-full]': 'Full' }));
    await t.deps.chatrooms.setEntries(imApp, 'cn-full', 'owner', Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: 'v', autoDelete: false })));
    const before = await settingsOf('cn-full');
    const res = await createNew('cn-full', { whiteUserIds: 'cn-w', entryOwnerId: 'owner', entryInfo: JSON.stringify({ extra: 'v' }) });
    expect([res.status, res.body.code]).toEqual([400, 1002]);
    expect(await settingsOf('cn-full')).toEqual(before);
    expect(before).toMatchObject({ room: { ban: false, destroyType: 0 }, whitelist: [], keys: 100 });
  });

  it('concurrent calls each apply whole or not at all, and the attribute cap holds', async () => {
    ok(await app.post('/chatroom/create.json', { 'chatroom[cn-race]': 'Race' }));
    await t.deps.chatrooms.setEntries(imApp, 'cn-race', 'owner', Array.from({ length: 98 }, (_, i) => ({ key: `k${i}`, value: 'v', autoDelete: false })));
    const results = await Promise.all(
      [0, 1, 2, 3].map((n) => createNew('cn-race', { whiteUserIds: `cn-w${n}`, entryOwnerId: 'owner', entryInfo: JSON.stringify({ [`a${n}`]: 'v', [`b${n}`]: 'v' }) })),
    );
    const winners = results.flatMap((r, n) => (r.body.code === 200 ? [n] : []));
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.body.code === 1002)).toHaveLength(3);
    const after = await settingsOf('cn-race');
    expect(after).toMatchObject({ room: { ban: true, destroyType: 1, destroyTime: 60 }, whitelist: [`cn-w${winners[0]}`], keys: 100 });
  });

  it('creates a new room with everything at once', async () => {
    ok(await createNew('cn-new', { whiteUserIds: 'cn-a,cn-b', entryOwnerId: 'owner', entryInfo: JSON.stringify({ topic: 'hi' }) }));
    expect(await settingsOf('cn-new')).toMatchObject({ room: { ban: true, destroyType: 1, destroyTime: 60 }, whitelist: ['cn-a', 'cn-b'], keys: 1 });
  });
});
