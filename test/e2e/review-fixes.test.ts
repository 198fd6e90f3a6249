import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, ManualClock, settle } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

const day = 86_400_000;
const clock = new ManualClock(Date.now());
let t: TestServer;
let app: TestApp;

beforeAll(async () => {
  t = await startServer({ clock, apps: [{ features: { historyPrivateGroup: true, historyChatroom: true, historyUltraGroupDays: 7 } }] });
  app = t.app();
});
afterAll(() => t.close());

const txt = (s: string) => JSON.stringify({ content: s });
const ok = (res: { body: { code: number } }) => expect(res.body.code).toBe(200);

describe('history visibility', () => {
  it('a targeted group message is not in the group history; a targeted sender gets no copy of its own', async () => {
    ok(await app.post('/group/create.json', { userId: ['tg-a', 'tg-b', 'tg-c'], groupId: 'tg', groupName: 'T' }));
    const a = await connectDevice(t, app, 'tg-a');
    ok(await app.post('/message/group/publish.json', { fromUserId: 'tg-a', toGroupId: 'tg', toUserId: ['tg-b', 'tg-a'], objectName: 'RC:TxtMsg', content: txt('for b') }));
    const c = await connectDevice(t, app, 'tg-c');
    const page = await c.client.request<{ messages: unknown[] }>('history', { conversationType: 3, targetId: 'tg' });
    expect(page.messages).toEqual([]);
    await settle();
    expect(a.messages).toHaveLength(0);
  });

  it('a chatroom\'s history is for its members now (23406 otherwise)', async () => {
    ok(await app.post('/chatroom/create.json', { 'chatroom[hr]': 'H' }));
    ok(await app.post('/message/chatroom/publish.json', { fromUserId: 'admin', toChatroomId: 'hr', objectName: 'RC:TxtMsg', content: txt('kept'), isIncludeSender: 1 }));
    const outsider = await connectDevice(t, app, 'hr-out');
    await expect(outsider.client.request('history', { conversationType: 4, targetId: 'hr' })).rejects.toMatchObject({ code: 23406 });
    await outsider.client.request('chatroom.join', { chatroomId: 'hr' });
    const page = await outsider.client.request<{ messages: Array<{ content: string }> }>('history', { conversationType: 4, targetId: 'hr' });
    expect(page.messages.map((m) => m.content)).toEqual([txt('kept')]);
  });

  it('RCDefault names the default channel on every path, and ultra-group history ends at historyUltraGroupDays', async () => {
    ok(await app.post('/ultragroup/create.json', { userId: 'rc-a', groupId: 'rcg', groupName: 'R' }));
    const a = await connectDevice(t, app, 'rc-a');
    const sent = await a.client.send({ conversationType: 10, targetId: 'rcg', busChannel: 'RCDefault', objectName: 'RC:TxtMsg', content: { content: 'default' } });
    const viaEmpty = await a.client.request<{ messages: Array<{ messageUId: string }> }>('history', { conversationType: 10, targetId: 'rcg' });
    const viaAlias = await a.client.request<{ messages: Array<{ messageUId: string }> }>('history', { conversationType: 10, targetId: 'rcg', busChannel: 'RCDefault' });
    expect(viaEmpty.messages.map((m) => m.messageUId)).toEqual([sent.messageUId]);
    expect(viaAlias.messages.map((m) => m.messageUId)).toEqual([sent.messageUId]);
    clock.advance(6 * day);
    expect((await a.client.request<{ messages: unknown[] }>('history', { conversationType: 10, targetId: 'rcg' })).messages).toHaveLength(1);
    clock.advance(2 * day);
    expect((await a.client.request<{ messages: unknown[] }>('history', { conversationType: 10, targetId: 'rcg' })).messages).toHaveLength(0);
    clock.set(Date.now());
  });
});

describe('notices are the system speaking', () => {
  it('a chatroom attribute change is announced in a muted room, and a blocked owner\'s auto-delete attributes go quietly', async () => {
    ok(await app.post('/chatroom/create.json', { 'chatroom[mr]': 'M' }));
    const watcher = await connectDevice(t, app, 'mr-watch');
    await watcher.client.request('chatroom.join', { chatroomId: 'mr' });
    ok(await app.post('/chatroom/ban/add.json', { chatroomId: 'mr' }));
    ok(await app.post('/chatroom/entry/set.json', { chatroomId: 'mr', userId: 'mr-owner', key: 'k', value: 'v', autoDelete: 1 }));
    const [notice] = await watcher.received(1);
    expect(notice!.objectName).toBe('RC:chrmKVNotiMsg');
    ok(await app.post('/chatroom/user/block/add.json', { chatroomId: 'mr', userId: 'mr-owner', minute: 5 }));
  });

  it('a group notify block with bad content changes nothing', async () => {
    const res = await app.post('/group/join.json', { userId: 'nb-d', groupId: 'nb', bindNotifyMsg: 1, fromUserId: 'admin', objectName: 'RC:TxtMsg', content: 'not json' });
    expect(res.body.code).toBe(1002);
    expect((await app.post('/group/user/query.json', { groupId: 'nb' })).body.code).toBe(25410);
  });

  it('a notice reaches a muted group', async () => {
    ok(await app.post('/group/create.json', { userId: ['mg-a', 'mg-b'], groupId: 'mg', groupName: 'M' }));
    ok(await app.post('/group/ban/add.json', { groupId: 'mg' }));
    const b = await connectDevice(t, app, 'mg-b');
    const res = await app.post('/group/join.json', { userId: 'mg-c', groupId: 'mg', bindNotifyMsg: 1, fromUserId: 'mg-a', objectName: 'RC:GrpNtf', content: JSON.stringify({ operation: 'Add' }) });
    expect(res.body).toMatchObject({ code: 200, memberCount: 3 });
    await b.received(1);
  });
});

describe('repeated ids', () => {
  it('count once instead of failing', async () => {
    ok(await app.post('/user/block.json', { userId: ['dup', 'dup'], minute: 1 }));
    ok(await app.post('/chatroom/user/gag/add.json', { chatroomId: 'mr', userId: 'dup,dup', minute: 1 }));
    ok(await app.post('/sensitiveword/batch/add.json', { words: [{ word: 'twice' }, { word: 'twice' }] } as never, { json: true }));
  });
});
