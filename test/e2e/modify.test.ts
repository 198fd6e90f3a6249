import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle, type Device } from '../helpers/device.js';
import { startServer, type FormBody, type TestApp, type TestServer } from '../helpers/server.js';

// Shapes: the Java SDK's Private.modify / Group.modify (fromUserId, targetId|groupId, msgUID,
// objectName, content) and the Go SDK's UGMessageModify (groupId, fromUserId, msgUID, content,
// busChannel, msgRandom).
let t: TestServer;
let app: TestApp;
beforeAll(async () => {
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true, multiDeviceSync: true } }] });
  app = t.app();
});
afterAll(() => t.close());

const txt = (s: string) => JSON.stringify({ content: s });
const ok = (res: { body: { code: number } }) => expect(res.body.code, JSON.stringify(res.body)).toBe(200);
const notices = (device: Device) => device.messages.filter((m) => m.objectName === 'RC:MsgModify');
const historyOf = async (device: Device, conversationType: number, targetId: string, busChannel?: string) =>
  (await device.client.request<{ messages: Array<{ messageUId: string; content: string; sentTime: number }> }>('history', { conversationType, targetId, ...(busChannel && { busChannel }) })).messages;

describe('modifying a sent message', () => {
  it('one-to-one: history takes the new content; the receiver and the sender\'s other devices get RC:MsgModify', async () => {
    const phone = await connectDevice(t, app, 'md-a');
    const desk = await connectDevice(t, app, 'md-a', { deviceId: 'md-a-desk', platform: 'desktop' });
    const receiver = await connectDevice(t, app, 'md-b');
    const sent = await app.post('/message/private/publish.json', { fromUserId: 'md-a', toUserId: 'md-b', objectName: 'RC:TxtMsg', content: txt('typo'), isIncludeSender: 1 });
    const uid = (sent.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
    await receiver.received(1);
    ok(await app.post('/message/private/modify.json', { fromUserId: 'md-a', targetId: 'md-b', msgUID: uid, objectName: 'RC:TxtMsg', content: txt('fixed') }));
    await receiver.received(2);
    await expect.poll(() => notices(phone).length + notices(desk).length).toBe(2);
    const [notice] = notices(receiver);
    expect(notice).toMatchObject({ conversationType: 1, targetId: 'md-a', senderUserId: 'md-a' });
    expect(JSON.parse(notice!.content)).toMatchObject({ messageUId: uid, conversationType: 1, targetId: 'md-b', objectName: 'RC:TxtMsg', content: txt('fixed') });
    expect(notices(desk)[0]).toMatchObject({ targetId: 'md-b' });
    expect((await historyOf(receiver, 1, 'md-a')).find((m) => m.messageUId === uid)?.content).toBe(txt('fixed'));
    const v3 = await app.post('/v3/message/private/query.json', { userId: 'md-b', targetId: 'md-a', startTime: 0, endTime: Date.now() + 1000 }, { json: true });
    expect((v3.body.data as Array<{ messageUID: string; content: string }>).find((m) => m.messageUID === uid)?.content).toBe(txt('fixed'));
  });

  it('group: every member and the sender\'s devices get it; a recalled message or another type is refused with 20116, unchanged', async () => {
    ok(await app.post('/group/create.json', { userId: ['mg-a', 'mg-b', 'mg-c'], groupId: 'md-g', groupName: 'G' }));
    const sender = await connectDevice(t, app, 'mg-a');
    const b = await connectDevice(t, app, 'mg-b');
    const c = await connectDevice(t, app, 'mg-c');
    const first = await app.post('/message/group/publish.json', { fromUserId: 'mg-a', toGroupId: 'md-g', objectName: 'RC:TxtMsg', content: txt('one') });
    const second = await app.post('/message/group/publish.json', { fromUserId: 'mg-a', toGroupId: 'md-g', objectName: 'RC:TxtMsg', content: txt('two') });
    const [uid1, uid2] = [first, second].map((r) => (r.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID);
    await b.received(2);
    ok(await app.post('/message/group/modify.json', { fromUserId: 'mg-a', groupId: 'md-g', msgUID: uid1, content: txt('one, edited') }));
    await b.received(3);
    await c.received(3);
    await expect.poll(() => notices(sender).length).toBe(1);
    expect(JSON.parse(notices(c)[0]!.content)).toMatchObject({ messageUId: uid1, conversationType: 3, targetId: 'md-g', content: txt('one, edited') });

    const wrongType = await app.post('/message/group/modify.json', { fromUserId: 'mg-a', groupId: 'md-g', msgUID: uid2, objectName: 'RC:ImgMsg', content: txt('x') });
    expect(wrongType.body.code).toBe(20116);
    const sentTime = (await historyOf(b, 3, 'md-g')).find((m) => m.messageUId === uid2)!.sentTime;
    ok(await app.post('/message/recall.json', { fromUserId: 'mg-a', conversationType: 3, targetId: 'md-g', messageUID: uid2, sentTime }));
    const recalled = await app.post('/message/group/modify.json', { fromUserId: 'mg-a', groupId: 'md-g', msgUID: uid2, content: txt('too late') });
    expect([recalled.status, recalled.body.code]).toEqual([403, 20116]);
    const rows = await historyOf(b, 3, 'md-g');
    expect(rows.find((m) => m.messageUId === uid1)?.content).toBe(txt('one, edited'));
    expect(rows.find((m) => m.messageUId === uid2)?.content).not.toContain('too late');
    await settle();
    expect(notices(b)).toHaveLength(1);
  });

  it('ultra group (Go shape, with msgRandom): the channel gets it once, even when the request is retried', async () => {
    ok(await app.post('/ultragroup/create.json', { userId: 'mu-a', groupId: 'md-ug', groupName: 'U' }));
    ok(await app.post('/ultragroup/join.json', { userId: 'mu-b', groupId: 'md-ug' }));
    ok(await app.post('/ultragroup/channel/create.json', { groupId: 'md-ug', busChannel: 'news' }));
    const member = await connectDevice(t, app, 'mu-b');
    const sent = await app.post('/message/ultragroup/publish.json', { fromUserId: 'mu-a', toGroupIds: ['md-ug'], objectName: 'RC:TxtMsg', content: txt('v1'), busChannel: 'news' }, { json: true });
    const uid = String(sent.body.messageUID);
    await member.received(1);
    const modify = { groupId: 'md-ug', fromUserId: 'mu-a', msgUID: uid, content: txt('v2'), busChannel: 'news', msgRandom: 424242 };
    ok(await app.post('/ultragroup/msg/modify.json', modify));
    ok(await app.post('/ultragroup/msg/modify.json', modify));
    await member.received(2);
    await settle();
    expect(notices(member)).toHaveLength(1);
    expect(notices(member)[0]).toMatchObject({ conversationType: 10, targetId: 'md-ug', busChannel: 'news' });
    expect((await historyOf(member, 10, 'md-ug', 'news')).find((m) => m.messageUId === uid)?.content).toBe(txt('v2'));
    // The default channel is another conversation: not found there.
    expect((await app.post('/ultragroup/msg/modify.json', { ...modify, busChannel: undefined, msgRandom: 1 })).body.code).toBe(404);
    // A retry arriving after a later modification answers as before and leaves the later content.
    ok(await app.post('/ultragroup/msg/modify.json', { ...modify, content: txt('v3'), msgRandom: 2 }));
    await member.received(3);
    ok(await app.post('/ultragroup/msg/modify.json', modify));
    await settle();
    expect(notices(member)).toHaveLength(2);
    expect((await historyOf(member, 10, 'md-ug', 'news')).find((m) => m.messageUId === uid)?.content).toBe(txt('v3'));
  });
});

describe('bad modifications change nothing and notify no one', () => {
  it('refuses other senders and conversations (404), bad content and missing fields (1002)', async () => {
    const receiver = await connectDevice(t, app, 'mb-b');
    const sent = await app.post('/message/private/publish.json', { fromUserId: 'mb-a', toUserId: 'mb-b', objectName: 'RC:TxtMsg', content: txt('original') });
    const uid = (sent.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
    await receiver.received(1);
    const refusals: Array<[FormBody, number]> = [
      [{ fromUserId: 'mb-b', targetId: 'mb-a', msgUID: uid, content: txt('not mine') }, 404],
      [{ fromUserId: 'mb-a', targetId: 'mb-c', msgUID: uid, content: txt('wrong peer') }, 404],
      [{ fromUserId: 'mb-a', targetId: 'mb-b', msgUID: 'BJN3-LSG0-7MUC-OR7A', content: txt('no such') }, 404],
      [{ fromUserId: 'mb-a', targetId: 'mb-b', msgUID: uid, content: '{"text":"no content field"}' }, 1002],
      [{ fromUserId: 'mb-a', targetId: 'mb-b', msgUID: uid }, 1002],
      [{ fromUserId: 'mb-a', msgUID: uid, content: txt('no target') }, 1002],
      [{ fromUserId: 'mb-a', targetId: 'mb-b', msgUID: uid, content: 'x'.repeat(128 * 1024 + 1) }, 1002],
    ];
    for (const [body, code] of refusals) expect((await app.post('/message/private/modify.json', body)).body.code, JSON.stringify(body).slice(0, 80)).toBe(code);
    expect((await app.post('/message/group/modify.json', { fromUserId: 'mb-a', msgUID: uid, content: txt('x') })).body.code).toBe(1002);
    expect((await app.post('/ultragroup/msg/modify.json', { groupId: 'g', fromUserId: 'mb-a', msgUID: uid, content: txt('x'), busChannel: 'bad channel!' })).body.code).toBe(1002);
    await settle();
    expect(notices(receiver)).toEqual([]);
    expect((await historyOf(receiver, 1, 'mb-a'))[0]?.content).toBe(txt('original'));
  });
});
