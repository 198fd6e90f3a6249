import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientMessage } from '../../src/client/protocol.js';
import { connectDevice, ManualClock, settle, type Device } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer, officialNodeSdk } from '../helpers/server.js';

/** Recall (docs/server-api.md "Recall and history", docs/protocol.md `recall`), read positions and the conversation list (`read`, `conversations`). */
type Call = (message: Record<string, unknown>) => Promise<Record<string, unknown>>;
const RongSDK = createRequire(import.meta.url)('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => {
  Message: { Private: { recall: Call }; Group: { recall: Call } };
};

const clock = new ManualClock(Date.UTC(2026, 10, 1, 8, 0, 0));
let t: TestServer;
let app: TestApp;
let off: TestApp;

beforeAll(async () => {
  t = await startServer({ clock, apps: [{ ...officialNodeSdk, features: { historyPrivateGroup: true, historyChatroom: true, multiDeviceSync: true } }, {}] });
  [app, off] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

interface HistoryMessage {
  messageUId: string;
  objectName: string;
  content: string;
  sentTime: number;
  recalled: boolean;
}
interface ListEntry {
  conversationType: number;
  targetId: string;
  unreadCount: number;
  unpushLevel: number;
  latestMessage: HistoryMessage;
}

const txt = (text: string) => JSON.stringify({ content: text });
const ok = (res: { body: { code: number } }) => expect(res.body).toMatchObject({ code: 200 });

/** Sends a one-to-one text over REST a second after the previous one; answers its id and time. */
async function publish(on: TestApp, fromUserId: string, toUserId: string, text: string, extra: Record<string, string | number> = {}) {
  clock.advance(1000);
  const res = await on.post('/message/private/publish.json', { fromUserId, toUserId, objectName: 'RC:TxtMsg', content: txt(text), ...extra });
  ok(res);
  return { messageUID: (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID, sentTime: clock.now() };
}

const history = async (device: Device, conversationType: number, targetId: string) =>
  (await device.client.request<{ messages: HistoryMessage[] }>('history', { conversationType, targetId })).messages;
const conversations = async (device: Device) => (await device.client.request<{ conversations: ListEntry[] }>('conversations')).conversations;
const unreadWith = async (device: Device, targetId: string) => (await conversations(device)).find((c) => c.targetId === targetId)?.unreadCount;
const commands = (device: Device, objectName = 'RC:RcCmd') => device.messages.filter((m: ClientMessage) => m.objectName === objectName);
const commandFor = (device: Device) => commands(device).map((m) => JSON.parse(m.content) as Record<string, unknown>);

describe('recall', () => {
  it('a REST recall (official SDK) reaches the receiver and every device of the sender; history shows it recalled', async () => {
    const receiver = await connectDevice(t, app, 'rc-b');
    const senderDesk = await connectDevice(t, app, 'rc-a', { deviceId: 'rc-a-desk', platform: 'desktop' });
    const sent = await publish(app, 'rc-a', 'rc-b', 'oops');
    await receiver.received(1);
    const sdk = RongSDK({ appkey: app.appKey, secret: app.appSecret, api: t.baseUrl });
    expect(await sdk.Message.Private.recall({ senderId: 'rc-a', targetId: 'rc-b', uId: sent.messageUID, sentTime: sent.sentTime, objectName: 'RC:RcCmd', content: {} })).toMatchObject({ code: 200 });

    await expect.poll(() => commands(receiver).length).toBe(1);
    await expect.poll(() => commands(senderDesk).length).toBe(1);
    expect(commands(receiver)[0]).toMatchObject({ conversationType: 1, targetId: 'rc-a', senderUserId: 'rc-a' });
    expect(commandFor(receiver)[0]).toMatchObject({ messageUId: sent.messageUID, conversationType: 1, targetId: 'rc-b', sentTime: sent.sentTime, isAdmin: 0, isDelete: 0 });
    const [row] = await history(receiver, 1, 'rc-a');
    expect(row).toMatchObject({ messageUId: sent.messageUID, recalled: true, objectName: 'RC:RcNtf' });
    expect(JSON.parse(row!.content)).toMatchObject({ operatorId: 'rc-a', originalObjectName: 'RC:TxtMsg', admin: false, delete: false });
    expect(row!.content).not.toContain('oops');
    // A retried recall succeeds and sends nothing twice.
    expect(await sdk.Message.Private.recall({ senderId: 'rc-a', targetId: 'rc-b', uId: sent.messageUID, sentTime: sent.sentTime, objectName: 'RC:RcCmd', content: {} })).toMatchObject({ code: 200 });
    await settle();
    expect(commands(receiver)).toHaveLength(1);
  });

  it('an offline receiver learns of the recall from its inbox when it connects', async () => {
    const sent = await publish(app, 'ofr-a', 'ofr-b', 'gone before you looked');
    ok(await app.post('/message/recall.json', { fromUserId: 'ofr-a', conversationType: 1, targetId: 'ofr-b', messageUID: sent.messageUID, sentTime: sent.sentTime }));
    const receiver = await connectDevice(t, app, 'ofr-b');
    expect(receiver.messages.map((m) => m.objectName)).toEqual(['RC:TxtMsg', 'RC:RcCmd']);
    expect(commandFor(receiver)[0]).toMatchObject({ messageUId: sent.messageUID });
  });

  it('the sender\'s devices get the recall only with multiDeviceSync: then also a device that was offline', async () => {
    const sent = await publish(app, 'ms-a', 'ms-b', 'x', { isIncludeSender: 1 });
    ok(await app.post('/message/recall.json', { fromUserId: 'ms-a', conversationType: 1, targetId: 'ms-b', messageUID: sent.messageUID, sentTime: sent.sentTime }));
    const laterDevice = await connectDevice(t, app, 'ms-a', { deviceId: 'ms-a-later', platform: 'desktop' });
    expect(laterDevice.messages.map((m) => m.objectName)).toEqual(['RC:TxtMsg', 'RC:RcCmd']);

    const offSender = await connectDevice(t, off, 'ms-a');
    const offSent = await publish(off, 'ms-a', 'ms-b', 'y');
    ok(await off.post('/message/recall.json', { fromUserId: 'ms-a', conversationType: 1, targetId: 'ms-b', messageUID: offSent.messageUID, sentTime: offSent.sentTime }));
    const offReceiver = await connectDevice(t, off, 'ms-b');
    expect(offReceiver.messages.map((m) => m.objectName)).toEqual(['RC:TxtMsg', 'RC:RcCmd']);
    await settle();
    expect(commands(offSender)).toHaveLength(0);
  });

  it('a device recalls its own message over WebSocket; the receiver and the sender\'s other device learn of it, the recalling device is not sent it back', async () => {
    const phone = await connectDevice(t, app, 'wr-a');
    const desk = await connectDevice(t, app, 'wr-a', { deviceId: 'wr-a-desk', platform: 'desktop' });
    const receiver = await connectDevice(t, app, 'wr-b');
    const sent = await phone.client.send({ conversationType: 1, targetId: 'wr-b', objectName: 'RC:TxtMsg', content: { content: 'take back' } });
    await receiver.received(1);
    expect(await phone.client.request('recall', { messageUId: sent.messageUId })).toEqual({});

    await expect.poll(() => commands(receiver).length).toBe(1);
    await expect.poll(() => commands(desk).length).toBe(1);
    expect(commandFor(desk)[0]).toMatchObject({ messageUId: sent.messageUId, targetId: 'wr-b' });
    await settle();
    expect(commands(phone)).toHaveLength(0);
    expect((await history(phone, 1, 'wr-b'))[0]).toMatchObject({ messageUId: sent.messageUId, recalled: true });
  });

  it('over WebSocket only the sender may recall (25107); an unknown id is 25101; nothing changes and nothing is delivered', async () => {
    const sender = await connectDevice(t, app, 'nr-a');
    const receiver = await connectDevice(t, app, 'nr-b');
    const sent = await sender.client.send({ conversationType: 1, targetId: 'nr-b', objectName: 'RC:TxtMsg', content: { content: 'mine' } });
    await receiver.received(1);
    await expect(receiver.client.request('recall', { messageUId: sent.messageUId })).rejects.toMatchObject({ code: 25107 });
    await expect(receiver.client.request('recall', { messageUId: 'AAAA-AAAA-AAAA-AAAA' })).rejects.toMatchObject({ code: 25101 });
    await expect(receiver.client.request<unknown>('recall', {})).rejects.toMatchObject({ code: 1002 });
    await settle();
    expect(commands(sender)).toHaveLength(0);
    expect(commands(receiver)).toHaveLength(0);
    expect((await history(receiver, 1, 'nr-a'))[0]).toMatchObject({ messageUId: sent.messageUId, recalled: false, objectName: 'RC:TxtMsg' });
  });

  it('REST refuses a recall that does not describe a stored message (25101) or is malformed (1002); nothing changes', async () => {
    const receiver = await connectDevice(t, app, 'br-b');
    const sent = await publish(app, 'br-a', 'br-b', 'stays');
    await receiver.received(1);
    const base = { fromUserId: 'br-a', conversationType: 1, targetId: 'br-b', messageUID: sent.messageUID, sentTime: sent.sentTime };
    const refusals: Array<[Record<string, string | number>, number]> = [
      [{ ...base, messageUID: 'AAAA-AAAA-AAAA-AAAA' }, 25101],
      [{ ...base, sentTime: sent.sentTime + 1 }, 25101],
      [{ ...base, fromUserId: 'br-b' }, 25101],
      [{ ...base, targetId: 'br-c' }, 25101],
      [{ ...base, conversationType: 3 }, 25101],
      // 2 is a discussion, served as the group of the same id: no such message there.
      [{ ...base, conversationType: 2 }, 25101],
      [{ ...base, conversationType: 5 }, 1002],
      [{ ...base, sentTime: 'soon' }, 1002],
      [{ fromUserId: 'br-a', conversationType: 1, targetId: 'br-b', messageUID: sent.messageUID }, 1002],
    ];
    for (const [body, code] of refusals) {
      const res = await app.post('/message/recall.json', body);
      expect(res.body.code, JSON.stringify(body)).toBe(code);
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
    await settle();
    expect(commands(receiver)).toHaveLength(0);
    expect((await history(receiver, 1, 'br-a'))[0]).toMatchObject({ messageUId: sent.messageUID, recalled: false });
  });

  it('isDelete carries isAdmin and extra; the row stays marked, its notice says delete', async () => {
    const receiver = await connectDevice(t, app, 'dr-b');
    const kept = await publish(app, 'dr-a', 'dr-b', 'kept');
    const gone = await publish(app, 'dr-a', 'dr-b', 'gone');
    await receiver.received(2);
    const recall = { fromUserId: 'dr-a', conversationType: 1, targetId: 'dr-b', messageUID: gone.messageUID, sentTime: gone.sentTime, isDelete: 1, isAdmin: 1, extra: 'why' };
    ok(await app.post('/message/recall.json', recall));
    await expect.poll(() => commands(receiver).length).toBe(1);
    expect(commandFor(receiver)[0]).toMatchObject({ isDelete: 1, isAdmin: 1, extra: 'why' });
    const [recalled, untouched] = await history(receiver, 1, 'dr-a');
    expect(untouched).toMatchObject({ messageUId: kept.messageUID, recalled: false });
    expect(recalled).toMatchObject({ messageUId: gone.messageUID, recalled: true, objectName: 'RC:RcNtf' });
    expect(JSON.parse(recalled!.content)).toMatchObject({ delete: true, admin: true, extra: 'why' });
    // A retry is answered as done and sends nothing more.
    ok(await app.post('/message/recall.json', recall));
    await settle();
    expect(commands(receiver)).toHaveLength(1);
  });

  it('a group message\'s recall reaches the members (official SDK)', async () => {
    ok(await app.post('/group/create.json', { userId: ['gr-a', 'gr-b'], groupId: 'gr', groupName: 'G' }));
    const member = await connectDevice(t, app, 'gr-b');
    clock.advance(1000);
    const res = await app.post('/message/group/publish.json', { fromUserId: 'gr-a', toGroupId: 'gr', objectName: 'RC:TxtMsg', content: txt('g') });
    const messageUID = (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
    await member.received(1);
    const sdk = RongSDK({ appkey: app.appKey, secret: app.appSecret, api: t.baseUrl });
    expect(await sdk.Message.Group.recall({ senderId: 'gr-a', targetId: 'gr', uId: messageUID, sentTime: clock.now(), objectName: 'RC:RcCmd', content: {} })).toMatchObject({ code: 200 });
    await expect.poll(() => commands(member).length).toBe(1);
    expect(commands(member)[0]).toMatchObject({ conversationType: 3, targetId: 'gr' });
    expect((await history(member, 3, 'gr'))[0]).toMatchObject({ messageUId: messageUID, recalled: true });
  });

  it('an ultra group channel\'s message is recalled with its busChannel; a chatroom message by its sender\'s device', async () => {
    ok(await app.post('/ultragroup/create.json', { userId: 'ug-a', groupId: 'ugr', groupName: 'U' }));
    ok(await app.post('/ultragroup/join.json', { userId: 'ug-b', groupId: 'ugr' }));
    ok(await app.post('/ultragroup/channel/create.json', { groupId: 'ugr', busChannel: 'side' }));
    const member = await connectDevice(t, app, 'ug-b');
    clock.advance(1000);
    const res = await app.post('/message/ultragroup/publish.json', { fromUserId: 'ug-a', toGroupIds: ['ugr'], busChannel: 'side', objectName: 'RC:TxtMsg', content: txt('u') }, { json: true });
    const messageUID = String(res.body.messageUID);
    await member.received(1);
    const recall = { fromUserId: 'ug-a', conversationType: 10, targetId: 'ugr', messageUID, sentTime: clock.now() };
    expect((await app.post('/message/recall.json', recall)).body.code).toBe(25101);
    ok(await app.post('/message/recall.json', { ...recall, busChannel: 'side' }));
    await expect.poll(() => commands(member).length).toBe(1);
    expect(commandFor(member)[0]).toMatchObject({ messageUId: messageUID, conversationType: 10, channelId: 'side' });

    ok(await app.post('/chatroom/create.json', { 'chatroom[rcr]': 'R' }));
    const speaker = await connectDevice(t, app, 'cr-a');
    const listener = await connectDevice(t, app, 'cr-b');
    for (const device of [speaker, listener]) await device.client.request('chatroom.join', { chatroomId: 'rcr' });
    const sent = await speaker.client.send({ conversationType: 4, targetId: 'rcr', objectName: 'RC:TxtMsg', content: { content: 'c' } });
    await listener.received(1);
    await expect(listener.client.request('recall', { messageUId: sent.messageUId })).rejects.toMatchObject({ code: 25107 });
    await speaker.client.request('recall', { messageUId: sent.messageUId });
    await expect.poll(() => commands(listener).length).toBe(1);
    expect((await history(listener, 4, 'rcr'))[0]).toMatchObject({ messageUId: sent.messageUId, recalled: true });
  });

  it('a block made after the message does not stop its recall', async () => {
    const ann = await connectDevice(t, app, 'bk-a');
    const bob = await connectDevice(t, app, 'bk-b');
    const sent = await ann.client.send({ conversationType: 1, targetId: 'bk-b', objectName: 'RC:TxtMsg', content: { content: 'regret' } });
    await bob.received(1);
    ok(await app.post('/user/blacklist/add.json', { userId: 'bk-b', blackUserId: 'bk-a' }));
    await expect(ann.client.send({ conversationType: 1, targetId: 'bk-b', objectName: 'RC:TxtMsg', content: { content: 'more' } })).rejects.toMatchObject({ code: 405 });
    await ann.client.request('recall', { messageUId: sent.messageUId });
    await expect.poll(() => commands(bob).length).toBe(1);
  });

  it('a device may not send RC:RcCmd itself where the server keeps history (1002); elsewhere it is held to the block like any send', async () => {
    const ann = await connectDevice(t, app, 'fc-a');
    const bob = await connectDevice(t, app, 'fc-b');
    const sent = await ann.client.send({ conversationType: 1, targetId: 'fc-b', objectName: 'RC:TxtMsg', content: { content: 'x' } });
    await bob.received(1);
    await expect(bob.client.send({ conversationType: 1, targetId: 'fc-a', objectName: 'RC:RcCmd', content: { messageUId: sent.messageUId } })).rejects.toMatchObject({ code: 1002 });

    const offAnn = await connectDevice(t, off, 'fc-a');
    const offBob = await connectDevice(t, off, 'fc-b');
    ok(await off.post('/user/blacklist/add.json', { userId: 'fc-b', blackUserId: 'fc-a' }));
    await expect(offAnn.client.send({ conversationType: 1, targetId: 'fc-b', objectName: 'RC:RcCmd', content: { messageUId: sent.messageUId } })).rejects.toMatchObject({ code: 405 });
    await settle();
    expect(commands(ann)).toHaveLength(0);
    expect(commands(offBob)).toHaveLength(0);
  });

  it('without cloud history the app backend\'s recall is delivered when the id carries its sentTime (25101 otherwise)', async () => {
    const receiver = await connectDevice(t, off, 'or-b');
    const sent = await publish(off, 'or-a', 'or-b', 'unstored');
    await receiver.received(1);
    const recall = { fromUserId: 'or-a', conversationType: 1, targetId: 'or-b', messageUID: sent.messageUID };
    expect((await off.post('/message/recall.json', { ...recall, sentTime: sent.sentTime - 1 })).body.code).toBe(25101);
    ok(await off.post('/message/recall.json', { ...recall, sentTime: sent.sentTime }));
    await expect.poll(() => commands(receiver).length).toBe(1);
    expect(commandFor(receiver)[0]).toMatchObject({ messageUId: sent.messageUID });
  });

  it('a system message is recalled like it was sent: to its receiver, as conversation type 6', async () => {
    const receiver = await connectDevice(t, app, 'sy-b');
    clock.advance(1000);
    const res = await app.post('/message/system/publish.json', { fromUserId: 'sy-admin', toUserId: 'sy-b', objectName: 'RC:TxtMsg', content: txt('notice') });
    const messageUID = (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
    await receiver.received(1);
    ok(await app.post('/message/recall.json', { fromUserId: 'sy-admin', conversationType: 6, targetId: 'sy-b', messageUID, sentTime: clock.now() }));
    await expect.poll(() => commands(receiver).length).toBe(1);
    expect(commands(receiver)[0]).toMatchObject({ conversationType: 6, targetId: 'sy-admin' });
    expect((await history(receiver, 6, 'sy-admin'))[0]).toMatchObject({ messageUId: messageUID, recalled: true });
  });

  it('/message/broadcast/recall reaches every user; an id that is not the broadcast\'s is refused', async () => {
    const device = await connectDevice(t, app, 'bc-x');
    clock.advance(1000);
    const res = await app.post('/message/broadcast.json', { fromUserId: 'sys', objectName: 'RC:TxtMsg', content: txt('all') });
    ok(res);
    await t.deps.broadcasts.settle();
    const [broadcast] = await device.received(1);
    expect((await app.post('/message/broadcast/recall.json', { fromUserId: 'sys', messageUID: broadcast!.messageUId, sentTime: broadcast!.sentTime + 5 })).body.code).toBe(25101);
    expect((await app.post('/message/broadcast/recall.json', { fromUserId: 'sys', messageUID: broadcast!.messageUId })).body.code).toBe(1002);
    expect((await app.post('/message/broadcast/recall.json', { messageUID: broadcast!.messageUId, sentTime: broadcast!.sentTime })).body.code).toBe(1002);
    expect((await app.post('/message/broadcast/recall.json', { fromUserId: 'sys', messageUID: 'not-an-id', sentTime: broadcast!.sentTime })).body.code).toBe(25101);
    await t.deps.broadcasts.settle();
    await settle();
    expect(commands(device)).toHaveLength(0);
    ok(await app.post('/message/broadcast/recall.json', { fromUserId: 'sys', messageUID: broadcast!.messageUId, sentTime: broadcast!.sentTime }));
    await t.deps.broadcasts.settle();
    await expect.poll(() => commands(device).length).toBe(1);
    expect(commandFor(device)[0]).toMatchObject({ messageUId: broadcast!.messageUId, conversationType: 6 });
  });
});

describe('read positions and the conversation list', () => {
  it('unread counts follow messages, a read on another device, a recall and a clear; a new device gets the same list', async () => {
    const phone = await connectDevice(t, app, 'ur-r');
    const desk = await connectDevice(t, app, 'ur-r', { deviceId: 'ur-r-desk', platform: 'desktop' });
    await publish(app, 'ur-r', 'ur-s', 'hello', { isIncludeSender: 1 });
    await publish(app, 'ur-s', 'ur-r', 'one');
    const second = await publish(app, 'ur-s', 'ur-r', 'two');
    await publish(app, 'ur-s', 'ur-r', 'three');
    clock.advance(1000);
    ok(await app.post('/message/private/publish.json', { fromUserId: 'ur-s', toUserId: 'ur-r', objectName: 'RC:InfoNtf', content: JSON.stringify({ message: 'not counted' }) }));
    ok(await app.post('/message/private/publish.json', { fromUserId: 'ur-s', toUserId: 'ur-r', objectName: 'RC:TxtMsg', content: txt('uncounted'), isCounted: 0 }));
    ok(await app.post('/statusmessage/private/publish.json', { fromUserId: 'ur-s', toUserId: 'ur-r', objectName: 'RC:TypSts', content: JSON.stringify({ typingContentType: 'RC:TxtMsg' }) }));
    const newest = await publish(app, 'ur-s', 'ur-r', 'three and a half', { isCounted: 0 });

    const [entry] = await conversations(phone);
    expect(entry).toMatchObject({ conversationType: 1, targetId: 'ur-s', unreadCount: 3, unpushLevel: 0 });
    expect(entry!.latestMessage).toMatchObject({ messageUId: newest.messageUID, content: txt('three and a half') });

    expect(await desk.client.request('read', { conversationType: 1, targetId: 'ur-s', lastReadTime: second.sentTime })).toEqual({});
    await expect.poll(() => commands(phone, 'RC:SRSMsg').length).toBe(1);
    expect(commands(phone, 'RC:SRSMsg')[0]).toMatchObject({ conversationType: 1, targetId: 'ur-s', content: JSON.stringify({ lastMessageSendTime: second.sentTime }) });
    expect(await unreadWith(phone, 'ur-s')).toBe(1);
    // A read position never moves back.
    await desk.client.request('read', { conversationType: 1, targetId: 'ur-s', lastReadTime: second.sentTime - 5000 });
    expect(await unreadWith(phone, 'ur-s')).toBe(1);

    const late = await publish(app, 'ur-s', 'ur-r', 'four');
    expect(await unreadWith(desk, 'ur-s')).toBe(2);
    ok(await app.post('/message/recall.json', { fromUserId: 'ur-s', conversationType: 1, targetId: 'ur-r', messageUID: late.messageUID, sentTime: late.sentTime }));
    expect(await unreadWith(desk, 'ur-s')).toBe(1);

    const reinstalled = await connectDevice(t, app, 'ur-r', { deviceId: 'ur-r-new', platform: 'web' });
    expect(await conversations(reinstalled)).toEqual(await conversations(phone));

    ok(await app.post('/conversation/message/history/clean.json', { conversationType: 1, fromUserId: 'ur-r', targetId: 'ur-s' }));
    expect(await conversations(phone)).toEqual([]);
    expect((await conversations(await connectDevice(t, app, 'ur-s'))).map((c) => c.targetId)).toEqual(['ur-r']);
    const after = await publish(app, 'ur-s', 'ur-r', 'five');
    expect(await conversations(desk)).toMatchObject([{ targetId: 'ur-s', unreadCount: 1, latestMessage: { messageUId: after.messageUID } }]);
    // Writing in a conversation reads it.
    await publish(app, 'ur-r', 'ur-s', 'answer', { isIncludeSender: 1 });
    expect(await unreadWith(desk, 'ur-s')).toBe(0);
  });

  it('a read or clear time in the future counts as now: later messages are unread and visible', async () => {
    const device = await connectDevice(t, app, 'fu-r');
    await publish(app, 'fu-s', 'fu-r', 'before');
    await device.client.request('read', { conversationType: 1, targetId: 'fu-s', lastReadTime: clock.now() + 86_400_000 });
    ok(await app.post('/conversation/message/history/clean.json', { conversationType: 1, fromUserId: 'fu-r', targetId: 'fu-s', msgTimestamp: clock.now() + 86_400_000 }));
    const later = await publish(app, 'fu-s', 'fu-r', 'later');
    expect(await conversations(device)).toMatchObject([{ targetId: 'fu-s', unreadCount: 1, latestMessage: { messageUId: later.messageUID } }]);
    expect((await history(device, 1, 'fu-s')).map((m) => m.messageUId)).toEqual([later.messageUID]);
  });

  it('limit keeps the newest conversations, each with its own count', async () => {
    const device = await connectDevice(t, app, 'lm-r');
    for (const peer of ['lm-1', 'lm-2', 'lm-3']) {
      await publish(app, peer, 'lm-r', `from ${peer}`);
      await publish(app, peer, 'lm-r', `again from ${peer}`);
    }
    const two = (await device.client.request<{ conversations: ListEntry[] }>('conversations', { limit: 2 })).conversations;
    expect(two.map((c) => [c.targetId, c.unreadCount])).toEqual([['lm-3', 2], ['lm-2', 2]]);
    await expect(device.client.request('conversations', { limit: 0 })).rejects.toMatchObject({ code: 1002 });
  });

  it('groups: members\' messages count, RC:SRSMsg sent as a message moves the read position, receipts reach the group, mute settings show', async () => {
    ok(await app.post('/group/create.json', { userId: ['gl-r', 'gl-s', 'gl-x'], groupId: 'gl', groupName: 'G' }));
    const reader = await connectDevice(t, app, 'gl-r');
    const readerDesk = await connectDevice(t, app, 'gl-r', { deviceId: 'gl-r-desk', platform: 'desktop' });
    const sender = await connectDevice(t, app, 'gl-s');
    const other = await connectDevice(t, app, 'gl-x');
    clock.advance(1000);
    const first = await sender.client.send({ conversationType: 3, targetId: 'gl', objectName: 'RC:TxtMsg', content: { content: 'g1' } });
    clock.advance(1000);
    const latest = await sender.client.send({ conversationType: 3, targetId: 'gl', objectName: 'RC:TxtMsg', content: { content: 'g2' } });
    expect(await unreadWith(reader, 'gl')).toBe(2);
    expect(await unreadWith(sender, 'gl')).toBe(0);

    await reader.client.send({ conversationType: 3, targetId: 'gl', objectName: 'RC:SRSMsg', content: { lastMessageSendTime: latest.sentTime } });
    expect(await unreadWith(reader, 'gl')).toBe(0);
    await expect.poll(() => commands(readerDesk, 'RC:SRSMsg').length).toBe(1);
    expect(commands(readerDesk, 'RC:SRSMsg')[0]).toMatchObject({ conversationType: 3, targetId: 'gl' });

    await other.client.send({ conversationType: 3, targetId: 'gl', objectName: 'RC:RRReqMsg', content: { messageUId: first.messageUId } });
    await expect.poll(() => commands(reader, 'RC:RRReqMsg').length).toBe(1);
    await settle();
    expect(commands(sender, 'RC:SRSMsg')).toHaveLength(0);
    expect(commands(other, 'RC:SRSMsg')).toHaveLength(0);
    expect(await unreadWith(reader, 'gl')).toBe(0);

    ok(await app.post('/conversation/notification/set.json', { conversationType: 3, requestId: 'gl-r', targetId: 'gl', isMuted: 1 }));
    expect((await conversations(reader)).find((c) => c.targetId === 'gl')).toMatchObject({ unpushLevel: 5 });
  });

  it('the app backend syncs a read position with RC:SRSMsg: kept, and sent to the user\'s devices only', async () => {
    const reader = await connectDevice(t, app, 'as-r');
    const peer = await connectDevice(t, app, 'as-s');
    const sent = await publish(app, 'as-s', 'as-r', 'unread');
    expect(await unreadWith(reader, 'as-s')).toBe(1);
    const res = await app.post('/message/private/publish.json', { fromUserId: 'as-r', toUserId: 'as-s', objectName: 'RC:SRSMsg', content: JSON.stringify({ lastMessageSendTime: sent.sentTime }) });
    ok(res);
    expect(await unreadWith(reader, 'as-s')).toBe(0);
    await expect.poll(() => commands(reader, 'RC:SRSMsg').length).toBe(1);
    expect(commands(reader, 'RC:SRSMsg')[0]).toMatchObject({ targetId: 'as-s', messageUId: (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID });
    ok(await app.post('/group/create.json', { userId: ['as-r', 'as-s'], groupId: 'asg', groupName: 'A' }));
    // Sent to a group, it is the user's read position in the group: no member hears of it.
    ok(await app.post('/message/group/publish.json', { fromUserId: 'as-r', toGroupId: 'asg', objectName: 'RC:SRSMsg', content: JSON.stringify({ lastMessageSendTime: 1 }) }));
    await expect.poll(() => commands(reader, 'RC:SRSMsg').length).toBe(2);
    expect(commands(reader, 'RC:SRSMsg')[1]).toMatchObject({ conversationType: 3, targetId: 'asg' });
    const toRoom = await app.post('/message/chatroom/publish.json', { fromUserId: 'as-r', toChatroomId: 'asroom', objectName: 'RC:SRSMsg', content: JSON.stringify({ lastMessageSendTime: 1 }) });
    expect(toRoom.body.code).toBe(1002);
    const noTime = await app.post('/message/private/publish.json', { fromUserId: 'as-r', toUserId: 'as-s', objectName: 'RC:SRSMsg', content: '{}' });
    expect(noTime.body.code).toBe(1002);
    await settle();
    expect(commands(peer, 'RC:SRSMsg')).toHaveLength(0);
  });

  it('read receipts are signals: RC:ReadNtf reaches the peer, RC:RRRspMsg only the members it answers, neither is kept nor counted', async () => {
    const reader = await connectDevice(t, app, 'rn-r');
    const sender = await connectDevice(t, app, 'rn-s');
    const sent = await publish(app, 'rn-s', 'rn-r', 'read me');
    await reader.received(1);
    await reader.client.send({ conversationType: 1, targetId: 'rn-s', objectName: 'RC:ReadNtf', content: { lastMessageSendTime: sent.sentTime, messageUId: sent.messageUID, type: 1 } });
    await expect.poll(() => commands(sender, 'RC:ReadNtf').length).toBe(1);
    expect(commands(sender, 'RC:ReadNtf')[0]).toMatchObject({ conversationType: 1, targetId: 'rn-r', isPersisted: false });

    const bystander = await connectDevice(t, app, 'rn-b');
    ok(await app.post('/group/create.json', { userId: ['rn-r', 'rn-s', 'rn-b'], groupId: 'rng', groupName: 'R' }));
    // Keyed by the senders whose messages were read (as RongCloud's SDKs send it): only they learn who read what.
    await reader.client.send({ conversationType: 3, targetId: 'rng', objectName: 'RC:RRRspMsg', content: { receiptMessageDic: { 'rn-s': [sent.messageUID] } } });
    await expect.poll(() => commands(sender, 'RC:RRRspMsg').length).toBe(1);
    await settle();
    expect(commands(bystander, 'RC:RRRspMsg')).toEqual([]);
    expect((await history(reader, 1, 'rn-s')).map((m) => m.objectName)).toEqual(['RC:TxtMsg']);
    expect(await history(sender, 3, 'rng')).toEqual([]);
    expect(await unreadWith(reader, 'rn-s')).toBe(1);
  });

  it('a read is refused for a chatroom, a group the user is not in, or without lastReadTime; the position does not move', async () => {
    ok(await app.post('/group/create.json', { userId: ['rf-s'], groupId: 'rf', groupName: 'R' }));
    const outsider = await connectDevice(t, app, 'rf-o');
    await expect(outsider.client.request('read', { conversationType: 4, targetId: 'room', lastReadTime: 1 })).rejects.toMatchObject({ code: 1002 });
    await expect(outsider.client.request('read', { conversationType: 3, targetId: 'rf', lastReadTime: clock.now() })).rejects.toMatchObject({ code: 22406 });
    await expect(outsider.client.request<unknown>('read', { conversationType: 1, targetId: 'rf-s' })).rejects.toMatchObject({ code: 1002 });
    await expect(outsider.client.send({ conversationType: 1, targetId: 'rf-s', objectName: 'RC:SRSMsg', content: { lastMessageSendTime: 'now' } })).rejects.toMatchObject({ code: 1002 });
    const states = await t.deps.sql.query('SELECT 1 FROM conversation_states WHERE app_key = $1 AND user_id = $2', [app.appKey, 'rf-o']);
    expect(states.rows).toEqual([]);
  });

  it('without cloud history the server keeps no private conversation list', async () => {
    const device = await connectDevice(t, off, 'nl-r');
    await publish(off, 'nl-s', 'nl-r', 'x');
    await device.received(1);
    expect(await conversations(device)).toEqual([]);
  });
});
