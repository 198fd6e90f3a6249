import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

/**
 * The delivery table (ARCHITECTURE.md) for private, system and status messages,
 * with and without multiDeviceSync: signed HTTP in, real WebSocket devices out.
 */
let t: TestServer;
let single: TestApp; // multiDeviceSync off
let multi: TestApp; // multiDeviceSync on

beforeAll(async () => {
  t = await startServer({ apps: [{}, { features: { multiDeviceSync: true } }] });
  [single, multi] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

let n = 0;
const uid = (name: string) => `${name}${++n}`;
const text = (s: string) => JSON.stringify({ content: s });
const publish = (app: TestApp, from: string, to: string | string[], extra: Record<string, string | number> = {}) =>
  app.post('/message/private/publish.json', { fromUserId: from, toUserId: to, objectName: 'RC:TxtMsg', content: text('hi'), ...extra });

describe.each([
  ['without multiDeviceSync', () => single],
  ['with multiDeviceSync', () => multi],
])('private stored message %s', (_label, appOf) => {
  it('reaches the online receiver live with a seq, seen from its side, and answers messageUIDs', async () => {
    const app = appOf();
    const [a, b] = [uid('a'), uid('b')];
    const receiver = await connectDevice(t, app, b);
    const sender = await connectDevice(t, app, a);
    const res = await publish(app, a, b);
    expect(res.body).toMatchObject({ code: 200, messageUIDs: [{ userId: b, messageUID: expect.stringMatching(/^[0-9A-V]{4}(-[0-9A-V]{4}){3}$/) }] });
    const [message] = await receiver.received(1);
    expect(message).toMatchObject({ targetId: a, senderUserId: a, conversationType: 1, objectName: 'RC:TxtMsg', seq: expect.any(Number), isStatus: false });
    expect(message!.messageUId).toBe((res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID);
    expect(message!.sender.name).toBe(`name-${a}`);
    await settle();
    expect(sender.messages).toHaveLength(0); // no echo asked
  });

  it('waits in the inbox for an offline receiver, who gets it on connect before synced', async () => {
    const app = appOf();
    const [a, b] = [uid('a'), uid('b')];
    await publish(app, a, b);
    await publish(app, a, b, { objectName: 'RC:CmdMsg', content: JSON.stringify({ name: 'refresh' }) });
    const receiver = await connectDevice(t, app, b);
    expect(receiver.messages.map((m) => m.objectName)).toEqual(['RC:TxtMsg', 'RC:CmdMsg']);
    const [first, second] = receiver.messages;
    expect(second!.seq).toBe(first!.seq! + 1);
    expect(receiver.synced[0]!.seq).toBe(second!.seq);
    expect(receiver.synced[0]!.gap).toBeUndefined();
  });
});

describe('echo to the sender (isIncludeSender / isSyncSender / isEchoToSender)', () => {
  it.each(['isIncludeSender', 'isSyncSender', 'isEchoToSender'])('%s pushes to the sender online, targetId = receiver, and without multiDeviceSync stores nothing for the sender', async (flagName) => {
    const [a, b] = [uid('a'), uid('b')];
    const sender = await connectDevice(t, single, a);
    await publish(single, a, b, { [flagName]: 1 });
    const [echo] = await sender.received(1);
    expect(echo).toMatchObject({ targetId: b, senderUserId: a });
    expect(echo!.seq).toBeUndefined();
    await sender.close();
    const later = await connectDevice(t, single, a, { deviceId: 'other', platform: 'desktop' });
    await settle();
    expect(later.messages).toHaveLength(0);
  });

  it('with multiDeviceSync the echo also lands in the sender\'s inbox: a later device of the sender gets it', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const online = await connectDevice(t, multi, a);
    await publish(multi, a, b, { isIncludeSender: 1 });
    const [echo] = await online.received(1);
    expect(echo).toMatchObject({ targetId: b, seq: expect.any(Number) });
    const later = await connectDevice(t, multi, a, { deviceId: 'laptop', platform: 'desktop' });
    expect(later.messages.map((m) => m.messageUId)).toEqual([echo!.messageUId]);
  });

  it('without the flag the sender gets nothing, even with multiDeviceSync', async () => {
    const [a, b] = [uid('a'), uid('b')];
    await publish(multi, a, b);
    const later = await connectDevice(t, multi, a);
    await settle();
    expect(later.messages).toHaveLength(0);
  });
});

describe('consumed once vs multi-device sync', () => {
  it('without multiDeviceSync a message acked by one device is gone for the user\'s other devices', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const phone = await connectDevice(t, single, b);
    await publish(single, a, b);
    await phone.received(1);
    await expect.poll(async () => (await t.deps.inbox.head(single.appKey, b, Date.now())).ackedSeq).toBe(phone.messages[0]!.seq);
    const desktop = await connectDevice(t, single, b, { deviceId: 'desk', platform: 'desktop' });
    await settle();
    expect(desktop.messages).toHaveLength(0);
  });

  it('without multiDeviceSync the first device to connect takes what waited offline', async () => {
    const [a, b] = [uid('a'), uid('b')];
    await publish(single, a, b);
    const first = await connectDevice(t, single, b);
    expect(first.messages).toHaveLength(1);
    await expect.poll(async () => (await t.deps.inbox.head(single.appKey, b, Date.now())).ackedSeq).toBe(first.messages[0]!.seq);
    const second = await connectDevice(t, single, b, { deviceId: 'desk', platform: 'desktop' });
    expect(second.messages).toHaveLength(0);
  });

  it('with multiDeviceSync a new device gets today\'s messages even after another device acked them', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const phone = await connectDevice(t, multi, b);
    await publish(multi, a, b);
    await phone.received(1);
    await expect.poll(async () => (await t.deps.inbox.head(multi.appKey, b, Date.now())).ackedSeq).toBe(phone.messages[0]!.seq);
    const desktop = await connectDevice(t, multi, b, { deviceId: 'desk', platform: 'desktop' });
    expect(desktop.messages.map((m) => m.messageUId)).toEqual([phone.messages[0]!.messageUId]);
  });

  it.each([
    ['without multiDeviceSync', () => single],
    ['with multiDeviceSync', () => multi],
  ])('%s a message pushed to a device that never acked is still owed to the next device', async (_l, appOf) => {
    const app = appOf();
    const [a, b] = [uid('a'), uid('b')];
    const halfOpen = await connectDevice(t, app, b, { autoAck: false });
    await publish(app, a, b);
    await halfOpen.received(1);
    await halfOpen.close();
    const next = await connectDevice(t, app, b, { deviceId: 'next', platform: 'desktop' });
    expect(next.messages.map((m) => m.messageUId)).toEqual([halfOpen.messages[0]!.messageUId]);
  });

  it('a reconnecting device resumes after its lastSeq without duplicates', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const phone = await connectDevice(t, multi, b);
    await publish(multi, a, b);
    await phone.received(1);
    const lastSeq = phone.client.lastSeq;
    await phone.close();
    await publish(multi, a, b, { content: text('second') });
    const again = await connectDevice(t, multi, b, { lastSeq, epoch: phone.client.epoch });
    expect(again.messages.map((m) => m.content)).toEqual([text('second')]);
    expect(again.messages[0]!.seq).toBe(lastSeq + 1);
  });
});

describe('status messages', () => {
  it('reach online devices only, without a seq, and are never stored', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    const online = await connectDevice(t, multi, b);
    const res = await multi.post('/statusmessage/private/publish.json', { fromUserId: a, toUserId: [b, c], objectName: 'RC:TypSts', content: JSON.stringify({ typingContentType: 'RC:TxtMsg' }) });
    expect(res.body.code).toBe(200);
    const [status] = await online.received(1);
    expect(status).toMatchObject({ isStatus: true, objectName: 'RC:TypSts', targetId: a });
    expect(status!.seq).toBeUndefined();
    const offline = await connectDevice(t, multi, c);
    await settle();
    expect(offline.messages).toHaveLength(0);
    expect((await t.deps.inbox.head(multi.appKey, b, Date.now())).seq).toBe((await t.deps.inbox.head(multi.appKey, b, Date.now())).baseSeq);
  });

  it('a status-flagged type sent through the normal endpoint is also online-only', async () => {
    const [a, b] = [uid('a'), uid('b')];
    await publish(single, a, b, { objectName: 'RC:TypSts', content: JSON.stringify({ typingContentType: 'RC:TxtMsg' }) });
    const later = await connectDevice(t, single, b);
    await settle();
    expect(later.messages).toHaveLength(0);
  });

  it('echoes to the sender\'s online devices when asked', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const sender = await connectDevice(t, single, a);
    await single.post('/statusmessage/private/publish.json', { fromUserId: a, toUserId: b, objectName: 'RC:TypSts', content: JSON.stringify({ typingContentType: 'x' }), isIncludeSender: 1 });
    const [echo] = await sender.received(1);
    expect(echo).toMatchObject({ isStatus: true, targetId: b });
  });
});

describe('system messages and broadcasts', () => {
  it('a system message arrives as conversation type 6 from the sender, online and offline', async () => {
    const [admin, b, c] = [uid('admin'), uid('b'), uid('c')];
    const online = await connectDevice(t, single, b);
    const res = await single.post('/message/system/publish.json', { fromUserId: admin, toUserId: [b, c], objectName: 'RC:TxtMsg', content: text('notice') });
    expect(res.body.messageUIDs).toHaveLength(2);
    const [live] = await online.received(1);
    expect(live).toMatchObject({ conversationType: 6, targetId: admin, seq: expect.any(Number) });
    const offline = await connectDevice(t, single, c);
    expect(offline.messages).toMatchObject([{ conversationType: 6, targetId: admin }]);
  });

  it('/message/broadcast reaches every user of the app, also offline ones, with one messageUID', async () => {
    const users = [uid('x'), uid('y'), uid('z')];
    for (const u of users) await single.post('/user/getToken.json', { userId: u, name: u });
    const online = await connectDevice(t, single, users[0]!);
    const res = await single.post('/message/broadcast.json', { fromUserId: 'admin', objectName: 'RC:TxtMsg', content: text('to all') });
    expect(res.body).toMatchObject({ code: 200, messageUID: expect.any(String) });
    const [live] = await online.received(1);
    expect(live).toMatchObject({ conversationType: 6, messageUId: res.body.messageUID });
    await t.deps.broadcasts.settle();
    const offline = await connectDevice(t, single, users[2]!);
    expect(offline.messages.map((m) => m.messageUId)).toContain(res.body.messageUID);
  });

  it('a retried broadcast with the same msgRandom answers the first messageUID and delivers once', async () => {
    const user = uid('once');
    await single.post('/user/getToken.json', { userId: user, name: user });
    const body = { fromUserId: 'admin', objectName: 'RC:TxtMsg', content: text('once'), msgRandom: 777 };
    const first = await single.post('/message/broadcast.json', body);
    const retry = await single.post('/message/broadcast.json', body);
    expect(retry.body.messageUID).toBe(first.body.messageUID);
    await t.deps.broadcasts.settle();
    const device = await connectDevice(t, single, user);
    expect(device.messages.filter((m) => m.messageUId === first.body.messageUID)).toHaveLength(1);
    expect(device.messages).toHaveLength(1);
  });

  it('/message/online/broadcast reaches online devices only', async () => {
    const [on, off] = [uid('on'), uid('off')];
    const online = await connectDevice(t, multi, on);
    const res = await multi.post('/message/online/broadcast.json', { fromUserId: 'admin', objectName: 'RC:TxtMsg', content: text('now') });
    expect(res.body.code).toBe(200);
    const messages = await online.received(1);
    expect(messages.find((m) => m.messageUId === res.body.messageUID)).toMatchObject({ conversationType: 6 });
    const offline = await connectDevice(t, multi, off);
    await settle();
    expect(offline.messages.find((m) => m.messageUId === res.body.messageUID)).toBeUndefined();
  });
});

describe('templates', () => {
  it('fills each receiver\'s values into content and push texts', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    const res = await single.post(
      '/message/private/publish_template.json',
      { fromUserId: a, objectName: 'RC:TxtMsg', content: '{"content":"hello {name}"}', toUserId: [b, c], values: [{ '{name}': 'Bea "B"' }, { '{name}': 'Cy' }], pushContent: ['hi {name}', null] } as never,
      { json: true },
    );
    expect(res.body.messageUIDs).toHaveLength(2);
    const devB = await connectDevice(t, single, b);
    const devC = await connectDevice(t, single, c);
    expect(JSON.parse(devB.messages[0]!.content)).toEqual({ content: 'hello Bea "B"' });
    expect(devB.messages[0]!.pushContent).toBe('hi Bea "B"');
    expect(JSON.parse(devC.messages[0]!.content)).toEqual({ content: 'hello Cy' });
  });

  it('system templates arrive as system messages', async () => {
    const [b] = [uid('b')];
    await single.post('/message/system/publish_template.json', { fromUserId: 'sys', objectName: 'RC:TxtMsg', content: '{"content":"code {c}"}', toUserId: [b], values: [{ '{c}': '42' }] } as never, { json: true });
    const dev = await connectDevice(t, single, b);
    expect(dev.messages[0]).toMatchObject({ conversationType: 6, content: '{"content":"code 42"}' });
  });
});
