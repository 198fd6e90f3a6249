import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

/** The delivery rules of groups, chatrooms and ultra groups (docs/architecture.md), end to end. */
let t: TestServer;
let app: TestApp;
let kept: TestApp;

beforeAll(async () => {
  t = await startServer({ apps: [{}, { features: { historyPrivateGroup: true, historyChatroom: true } }] });
  [app, kept] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

const txt = (s: string) => JSON.stringify({ content: s });
const ok = (res: { body: { code: number } }) => expect(res.body.code).toBe(200);

describe('groups', () => {
  it('fans out to every member but the sender; an offline member catches up by seq; a removed member gets nothing', async () => {
    ok(await app.post('/group/create.json', { userId: ['g-a', 'g-b', 'g-c', 'g-gone'], groupId: 'grp1', groupName: 'One' }));
    ok(await app.post('/group/quit.json', { userId: 'g-gone', groupId: 'grp1' }));
    const a = await connectDevice(t, app, 'g-a');
    const b = await connectDevice(t, app, 'g-b');
    const gone = await connectDevice(t, app, 'g-gone');
    const res = await app.post('/message/group/publish.json', { fromUserId: 'g-a', toGroupId: 'grp1', objectName: 'RC:TxtMsg', content: txt('hello group') });
    expect(res.body).toMatchObject({ code: 200, messageUIDs: [{ groupId: 'grp1', messageUID: expect.any(String) }] });
    const [live] = await b.received(1);
    expect(live).toMatchObject({ conversationType: 3, targetId: 'grp1', senderUserId: 'g-a', seq: expect.any(Number) });
    const c = await connectDevice(t, app, 'g-c');
    expect(c.messages).toMatchObject([{ conversationType: 3, targetId: 'grp1', messageUId: live!.messageUId, seq: expect.any(Number) }]);
    await settle();
    expect(a.messages).toHaveLength(0);
    expect(gone.messages).toHaveLength(0);
  });

  it('targets some members of one group with toUserId', async () => {
    ok(await app.post('/group/create.json', { userId: ['t-a', 't-b', 't-c'], groupId: 'grp2', groupName: 'Two' }));
    const b = await connectDevice(t, app, 't-b');
    const c = await connectDevice(t, app, 't-c');
    ok(await app.post('/message/group/publish.json', { fromUserId: 't-a', toGroupId: 'grp2', toUserId: 't-c', objectName: 'RC:TxtMsg', content: txt('just c') }));
    await c.received(1);
    await settle();
    expect(b.messages).toHaveLength(0);
  });

  it('a device sends to its group; a gagged member is refused (22408) and delivers nothing; a non-member is refused (22406)', async () => {
    ok(await app.post('/group/create.json', { userId: ['d-a', 'd-b'], groupId: 'grp3', groupName: 'Three' }));
    const a = await connectDevice(t, app, 'd-a');
    const b = await connectDevice(t, app, 'd-b');
    const outsider = await connectDevice(t, app, 'd-out');
    const sent = await a.client.send({ conversationType: 3, targetId: 'grp3', objectName: 'RC:TxtMsg', content: { content: 'from a device' } });
    const [message] = await b.received(1);
    expect(message!.messageUId).toBe(sent.messageUId);

    ok(await app.post('/group/user/gag/add.json', { groupId: 'grp3', userId: 'd-a', minute: 10 }));
    await expect(a.client.send({ conversationType: 3, targetId: 'grp3', objectName: 'RC:TxtMsg', content: { content: 'gagged' } })).rejects.toMatchObject({ code: 22408 });
    const rest = await app.post('/message/group/publish.json', { fromUserId: 'd-a', toGroupId: 'grp3', objectName: 'RC:TxtMsg', content: txt('gagged via rest') });
    expect([rest.status, rest.body.code]).toEqual([403, 22408]);
    await expect(outsider.client.send({ conversationType: 3, targetId: 'grp3', objectName: 'RC:TxtMsg', content: { content: 'x' } })).rejects.toMatchObject({ code: 22406 });
    await settle();
    expect(b.messages).toHaveLength(1);
  });

  it('status messages reach online members only, never stored', async () => {
    ok(await app.post('/group/create.json', { userId: ['s-a', 's-b', 's-c'], groupId: 'grp4', groupName: 'Four' }));
    const b = await connectDevice(t, app, 's-b');
    ok(await app.post('/statusmessage/group/publish.json', { fromUserId: 's-a', toGroupId: 'grp4', objectName: 'RC:TypSts', content: JSON.stringify({ typingContentType: 'RC:TxtMsg' }) }));
    const [status] = await b.received(1);
    expect(status!.seq).toBeUndefined();
    const c = await connectDevice(t, app, 's-c');
    await settle();
    expect(c.messages).toHaveLength(0);
  });

  it('keeps one history row per group message when the app keeps history, readable by members over WebSocket', async () => {
    ok(await kept.post('/group/create.json', { userId: ['h-a', 'h-b'], groupId: 'grp5', groupName: 'Five' }));
    for (const body of ['one', 'two', 'three']) ok(await kept.post('/message/group/publish.json', { fromUserId: 'h-a', toGroupId: 'grp5', objectName: 'RC:TxtMsg', content: txt(body) }));
    const b = await connectDevice(t, kept, 'h-b');
    const first = await b.client.request<{ messages: Array<{ content: string }>; hasMore: boolean; cursor: string }>('history', { conversationType: 3, targetId: 'grp5', limit: 2 });
    expect(first.messages.map((m) => m.content)).toEqual([txt('three'), txt('two')]);
    expect(first.hasMore).toBe(true);
    const second = await b.client.request<{ messages: Array<{ content: string }>; hasMore: boolean }>('history', { conversationType: 3, targetId: 'grp5', limit: 2, cursor: first.cursor });
    expect(second).toMatchObject({ messages: [{ content: txt('one') }], hasMore: false });
    const stranger = await connectDevice(t, kept, 'h-x');
    await expect(stranger.client.request('history', { conversationType: 3, targetId: 'grp5' })).rejects.toMatchObject({ code: 22406 });
  });

  it('create/join/quit with bindNotifyMsg send the notice to the group and answer messageUID and memberCount', async () => {
    const notice = { bindNotifyMsg: 1, fromUserId: 'n-admin', objectName: 'RC:GrpNtf', content: JSON.stringify({ operatorUserId: 'n-admin', operation: 'Add', message: 'welcome' }) };
    const b = await connectDevice(t, app, 'n-b');
    const created = await app.post('/group/create.json', { userId: ['n-a', 'n-b'], groupId: 'grpN', groupName: 'N', ...notice });
    expect(created.body).toMatchObject({ code: 200, messageUID: expect.any(String), memberCount: 2 });
    const [first] = await b.received(1);
    expect(first).toMatchObject({ objectName: 'RC:GrpNtf', conversationType: 3, targetId: 'grpN', messageUId: created.body.messageUID });
    const joined = await app.post('/group/join.json', { userId: 'n-c', groupId: 'grpN', ...notice });
    expect(joined.body).toMatchObject({ messageUID: expect.any(String), memberCount: 3 });
    const quit = await app.post('/group/quit.json', { userId: 'n-b', groupId: 'grpN', ...notice });
    expect(quit.body).toMatchObject({ memberCount: 2 });
    await b.received(3); // the leaving member still gets the notice of its own quit
    const bad = await app.post('/group/join.json', { userId: 'n-d', groupId: 'grpN', bindNotifyMsg: 1 });
    expect(bad.body.code).toBe(1002);
    expect((await app.post('/group/user/query.json', { groupId: 'grpN' })).body.users).not.toContainEqual({ id: 'n-d' });
  });

  it.each([
    ['an unknown group', { toGroupId: 'no-such-group' }, 25410],
    ['more than 3 groups', { toGroupId: ['g1', 'g2', 'g3', 'g4'] }, 1002],
    ['toUserId with two groups', { toGroupId: ['grp1', 'grp2'], toUserId: 'g-b' }, 1002],
    ['isMentioned without mentionedInfo', { toGroupId: 'grp1', isMentioned: 1 }, 1002],
    ['content that is not JSON', { toGroupId: 'grp1', content: 'plain' }, 1002],
  ])('refuses %s with a coded 4xx and delivers nothing', async (_label, change, code) => {
    const b = await connectDevice(t, app, 'g-b', { deviceId: `bad-${code}-${Math.random()}`, platform: 'web' });
    const res = await app.post('/message/group/publish.json', { fromUserId: 'g-a', objectName: 'RC:TxtMsg', content: txt('x'), ...change });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.code).toBe(code);
    await settle(60);
    expect(b.messages).toHaveLength(0);
    await b.close();
  });
});

describe('chatrooms', () => {
  it('reaches the members joined now (no seq, no inbox); one who left or disconnected gets nothing, nor on reconnect', async () => {
    ok(await app.post('/chatroom/create.json', { 'chatroom[room1]': 'Room 1' }));
    const a = await connectDevice(t, app, 'c-a');
    const b = await connectDevice(t, app, 'c-b');
    const c = await connectDevice(t, app, 'c-c');
    for (const d of [a, b, c]) await d.client.request('chatroom.join', { chatroomId: 'room1' });
    ok(await app.post('/message/chatroom/publish.json', { fromUserId: 'c-a', toChatroomId: 'room1', objectName: 'RC:TxtMsg', content: txt('first') }));
    const [live] = await b.received(1);
    expect(live).toMatchObject({ conversationType: 4, targetId: 'room1' });
    expect(live!.seq).toBeUndefined();
    await c.received(1);
    await settle();
    expect(a.messages).toHaveLength(0); // the sender, no echo asked

    await b.client.request('chatroom.leave', { chatroomId: 'room1' });
    await c.close();
    ok(await app.post('/message/chatroom/publish.json', { fromUserId: 'c-a', toChatroomId: 'room1', objectName: 'RC:TxtMsg', content: txt('second') }));
    await settle();
    expect(b.messages).toHaveLength(1);
    const back = await connectDevice(t, app, 'c-c');
    await settle();
    expect(back.messages).toHaveLength(0);
  });

  it('a device must join before sending (23406), and its send reaches the others', async () => {
    ok(await app.post('/chatroom/create.json', { 'chatroom[room2]': 'Room 2' }));
    const a = await connectDevice(t, app, 'r-a');
    const b = await connectDevice(t, app, 'r-b');
    await expect(a.client.send({ conversationType: 4, targetId: 'room2', objectName: 'RC:TxtMsg', content: { content: 'early' } })).rejects.toMatchObject({ code: 23406 });
    await a.client.request('chatroom.join', { chatroomId: 'room2' });
    await b.client.request('chatroom.join', { chatroomId: 'room2' });
    await a.client.send({ conversationType: 4, targetId: 'room2', objectName: 'RC:TxtMsg', content: { content: 'joined' } });
    await b.received(1);
    await expect(a.client.request('chatroom.join', { chatroomId: 'no-such-room' })).rejects.toMatchObject({ code: 23410 });
  });

  it('attributes notify the room, and an auto-delete attribute goes when its owner leaves', async () => {
    ok(await app.post('/chatroom/create.json', { 'chatroom[kv]': 'KV' }));
    const owner = await connectDevice(t, app, 'kv-owner');
    const watcher = await connectDevice(t, app, 'kv-watch');
    await owner.client.request('chatroom.join', { chatroomId: 'kv' });
    await watcher.client.request('chatroom.join', { chatroomId: 'kv' });
    ok(await app.post('/chatroom/entry/set.json', { chatroomId: 'kv', userId: 'kv-owner', key: 'seat', value: 'A1', autoDelete: 1 }));
    const [setNotice] = await watcher.received(1);
    expect(setNotice).toMatchObject({ objectName: 'RC:chrmKVNotiMsg', targetId: 'kv' });
    expect(JSON.parse(setNotice!.content)).toMatchObject({ type: 1, key: 'seat', value: 'A1' });
    await owner.client.request('chatroom.leave', { chatroomId: 'kv' });
    const [, removed] = await watcher.received(2);
    expect(JSON.parse(removed!.content)).toMatchObject({ type: 2, key: 'seat' });
    expect((await app.post('/chatroom/entry/query.json', { chatroomId: 'kv' })).body.keys).toEqual([]);
  });

  it('a gagged member is refused over REST and WebSocket (23408) and delivers nothing; a blocked one is kicked and cannot rejoin', async () => {
    ok(await app.post('/chatroom/create.json', { 'chatroom[gag]': 'G' }));
    const loud = await connectDevice(t, app, 'gag-loud');
    const other = await connectDevice(t, app, 'gag-other');
    await loud.client.request('chatroom.join', { chatroomId: 'gag' });
    await other.client.request('chatroom.join', { chatroomId: 'gag' });
    ok(await app.post('/chatroom/user/gag/add.json', { chatroomId: 'gag', userId: 'gag-loud', minute: 5 }));
    await expect(loud.client.send({ conversationType: 4, targetId: 'gag', objectName: 'RC:TxtMsg', content: { content: 'x' } })).rejects.toMatchObject({ code: 23408 });
    const rest = await app.post('/message/chatroom/publish.json', { fromUserId: 'gag-loud', toChatroomId: 'gag', objectName: 'RC:TxtMsg', content: txt('x') });
    expect([rest.status, rest.body.code]).toEqual([403, 23408]);
    ok(await app.post('/chatroom/user/block/add.json', { chatroomId: 'gag', userId: 'gag-loud', minute: 5 }));
    await expect(loud.client.request('chatroom.join', { chatroomId: 'gag' })).rejects.toMatchObject({ code: 23409 });
    ok(await app.post('/message/chatroom/publish.json', { fromUserId: 'admin', toChatroomId: 'gag', objectName: 'RC:TxtMsg', content: txt('after block') }));
    await other.received(1);
    await settle();
    expect(loud.messages).toHaveLength(0);
    expect(other.messages).toHaveLength(1);
  });

  it('a chatroom broadcast reaches members of two rooms and is not in history', async () => {
    ok(await kept.post('/chatroom/create.json', { 'chatroom[bc1]': 'B1', 'chatroom[bc2]': 'B2' }));
    const x = await connectDevice(t, kept, 'bc-x');
    const y = await connectDevice(t, kept, 'bc-y');
    await x.client.request('chatroom.join', { chatroomId: 'bc1' });
    await y.client.request('chatroom.join', { chatroomId: 'bc2' });
    const res = await kept.post('/message/chatroom/broadcast.json', { fromUserId: 'admin', objectName: 'RC:TxtMsg', content: txt('everyone') });
    expect(res.body.code).toBe(200);
    expect((await x.received(1))[0]).toMatchObject({ targetId: 'bc1' });
    expect((await y.received(1))[0]).toMatchObject({ targetId: 'bc2' });
    const rows = await t.deps.sql.query('SELECT 1 FROM messages WHERE app_key = $1 AND message_uid = $2', [kept.appKey, res.body.messageUID]);
    expect(rows.rows).toHaveLength(0);
  });

  it('is kept in history only with historyChatroom and the echo flag', async () => {
    ok(await kept.post('/chatroom/create.json', { 'chatroom[hist]': 'H' }));
    const plain = await kept.post('/message/chatroom/publish.json', { fromUserId: 'admin', toChatroomId: 'hist', objectName: 'RC:TxtMsg', content: txt('not kept') });
    const echoed = await kept.post('/message/chatroom/publish.json', { fromUserId: 'admin', toChatroomId: 'hist', objectName: 'RC:TxtMsg', content: txt('kept'), isIncludeSender: 1 });
    const uid = (r: typeof plain) => (r.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
    const count = async (u: string) => (await t.deps.sql.query('SELECT 1 FROM messages WHERE message_uid = $1', [u])).rows.length;
    expect([await count(uid(plain)), await count(uid(echoed))]).toEqual([0, 1]);
  });
});

describe('ultra groups', () => {
  it('reaches an online member without a seq, and is in the channel\'s history for a member who was offline', async () => {
    ok(await app.post('/ultragroup/create.json', { userId: 'u-a', groupId: 'ug1', groupName: 'Ultra' }));
    ok(await app.post('/ultragroup/join.json', { userId: 'u-b', groupId: 'ug1' }));
    ok(await app.post('/ultragroup/join.json', { userId: 'u-c', groupId: 'ug1' }));
    ok(await app.post('/ultragroup/channel/create.json', { groupId: 'ug1', busChannel: 'news' }));
    const b = await connectDevice(t, app, 'u-b');
    const res = await app.post('/message/ultragroup/publish.json', { fromUserId: 'u-a', toGroupIds: ['ug1'], objectName: 'RC:TxtMsg', content: txt('channel news'), busChannel: 'news' }, { json: true });
    expect(res.body.code).toBe(200);
    const [live] = await b.received(1);
    expect(live).toMatchObject({ conversationType: 10, targetId: 'ug1', busChannel: 'news' });
    expect(live!.seq).toBeUndefined();

    const c = await connectDevice(t, app, 'u-c');
    await settle();
    expect(c.messages).toHaveLength(0); // no inbox: clients pull
    const page = await c.client.request<{ messages: Array<{ messageUId: string; busChannel: string }> }>('history', { conversationType: 10, targetId: 'ug1', busChannel: 'news' });
    expect(page.messages).toMatchObject([{ messageUId: live!.messageUId, busChannel: 'news' }]);
    const other = await c.client.request<{ messages: unknown[] }>('history', { conversationType: 10, targetId: 'ug1' });
    expect(other.messages).toEqual([]);
  });

  it.each([
    ['an unknown ultra group', { toGroupIds: ['nope'] }, 24410],
    ['a busChannel over 20 characters', { toGroupIds: ['ug1'], busChannel: 'x'.repeat(21) }, 1002],
    ['more than 3 groups', { toGroupIds: ['a', 'b', 'c', 'd'] }, 1002],
    ['an unknown channel', { toGroupIds: ['ug1'], busChannel: 'nochannel' }, 24414],
  ])('refuses %s with a coded 4xx and delivers nothing', async (_label, change, code) => {
    const b = await connectDevice(t, app, 'u-b', { deviceId: `ug-bad-${code}-${Math.random()}`, platform: 'web' });
    const res = await app.post('/message/ultragroup/publish.json', { fromUserId: 'u-a', objectName: 'RC:TxtMsg', content: txt('x'), ...change }, { json: true });
    expect(res.body.code).toBe(code);
    await settle(60);
    expect(b.messages).toHaveLength(0);
    await b.close();
  });

  it('a muted member is refused (24408) and delivers nothing, unless the group is globally muted and it is whitelisted', async () => {
    ok(await app.post('/ultragroup/create.json', { userId: 'um-a', groupId: 'ugm', groupName: 'M' }));
    ok(await app.post('/ultragroup/join.json', { userId: 'um-b', groupId: 'ugm' }));
    const a = await connectDevice(t, app, 'um-a');
    const b = await connectDevice(t, app, 'um-b');
    ok(await app.post('/ultragroup/userbanned/add.json', { groupId: 'ugm', userIds: 'um-a' }));
    await expect(a.client.send({ conversationType: 10, targetId: 'ugm', objectName: 'RC:TxtMsg', content: { content: 'x' } })).rejects.toMatchObject({ code: 24408 });
    ok(await app.post('/ultragroup/userbanned/del.json', { groupId: 'ugm', userIds: 'um-a' }));
    ok(await app.post('/ultragroup/globalbanned/set.json', { groupId: 'ugm', status: true }));
    ok(await app.post('/ultragroup/banned/whitelist/add.json', { groupId: 'ugm', userIds: 'um-a' }));
    await expect(b.client.send({ conversationType: 10, targetId: 'ugm', objectName: 'RC:TxtMsg', content: { content: 'x' } })).rejects.toMatchObject({ code: 24408 });
    await a.client.send({ conversationType: 10, targetId: 'ugm', objectName: 'RC:TxtMsg', content: { content: 'whitelisted' } });
    const [message] = await b.received(1);
    expect(message).toMatchObject({ senderUserId: 'um-a', targetId: 'ugm' });
  });

  it('a device that is not a member is refused (24406)', async () => {
    const outsider = await connectDevice(t, app, 'u-out');
    await expect(outsider.client.send({ conversationType: 10, targetId: 'ug1', objectName: 'RC:TxtMsg', content: { content: 'x' } })).rejects.toMatchObject({ code: 24406 });
  });
});
