import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

let t: TestServer;
let single: TestApp;
let multi: TestApp;

beforeAll(async () => {
  t = await startServer({ apps: [{}, { features: { multiDeviceSync: true } }] });
  [single, multi] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

const txt = { content: 'from a device' };

describe('WebSocket send (client to client)', () => {
  it('reaches the receiver; without multiDeviceSync not the sender\'s other devices', async () => {
    const receiver = await connectDevice(t, single, 'r1');
    const phone = await connectDevice(t, single, 's1');
    const desk = await connectDevice(t, single, 's1', { deviceId: 'desk', platform: 'desktop' });
    const result = await phone.client.request<{ messageUId: string; sentTime: number; seq?: number }>('send', { conversationType: 1, targetId: 'r1', objectName: 'RC:TxtMsg', content: txt });
    expect(result).toMatchObject({ messageUId: expect.any(String), sentTime: expect.any(Number) });
    expect(result.seq).toBeUndefined();
    const [message] = await receiver.received(1);
    expect(message).toMatchObject({ messageUId: result.messageUId, targetId: 's1', senderUserId: 's1', content: JSON.stringify(txt), seq: expect.any(Number) });
    await settle();
    expect(desk.messages).toHaveLength(0);
    expect(phone.messages).toHaveLength(0);
  });

  it('with multiDeviceSync reaches the sender\'s other devices (not the sending one) and stores it for later ones', async () => {
    const receiver = await connectDevice(t, multi, 'r2');
    const phone = await connectDevice(t, multi, 's2');
    const desk = await connectDevice(t, multi, 's2', { deviceId: 'desk', platform: 'desktop' });
    const result = await phone.client.request<{ messageUId: string; seq: number }>('send', { conversationType: 1, targetId: 'r2', objectName: 'RC:TxtMsg', content: JSON.stringify(txt) });
    expect(result.seq).toEqual(expect.any(Number));
    await receiver.received(1);
    const [copy] = await desk.received(1);
    expect(copy).toMatchObject({ messageUId: result.messageUId, targetId: 'r2', seq: result.seq });
    await settle();
    expect(phone.messages).toHaveLength(0);
    const web = await connectDevice(t, multi, 's2', { deviceId: 'browser', platform: 'web' });
    expect(web.messages.map((m) => m.messageUId)).toEqual([result.messageUId]);
  });

  it('a retried send with the same clientMsgId returns the first result and delivers once', async () => {
    const receiver = await connectDevice(t, single, 'r3');
    const phone = await connectDevice(t, single, 's3');
    const frame = { conversationType: 1, targetId: 'r3', objectName: 'RC:TxtMsg', content: txt, clientMsgId: 'c-1' };
    const first = await phone.client.request<{ messageUId: string }>('send', frame);
    const retry = await phone.client.request<{ messageUId: string }>('send', frame);
    expect(retry).toEqual(first);
    await receiver.received(1);
    await settle();
    expect(receiver.messages).toHaveLength(1);
  });

  it.each([
    ['an unknown conversation type', { conversationType: 99 }],
    ['a missing targetId', { targetId: undefined }],
    ['content that is not JSON for an RC: type', { content: 'not json' }],
    ['content over 128 KB', { content: JSON.stringify({ content: 'x'.repeat(128 * 1024) }) }],
    ['an RC:TxtMsg without its content field', { content: { text: 'wrong field' } }],
    ['an objectName over 32 characters', { objectName: 'X'.repeat(33) }],
  ])('refuses %s with 1002 and delivers nothing', async (_label, change) => {
    const receiver = await connectDevice(t, single, 'r4');
    const phone = await connectDevice(t, single, 's4');
    const frame = { conversationType: 1, targetId: 'r4', objectName: 'RC:TxtMsg', content: txt, ...change };
    await expect(phone.client.request<unknown>('send', frame)).rejects.toMatchObject({ code: 1002 });
    expect(phone.client.isOpen).toBe(true);
    await settle();
    expect(receiver.messages).toHaveLength(0);
    const head = await t.deps.inbox.head(single.appKey, 'r4', Date.now());
    expect(head.seq).toBe(head.baseSeq);
    await Promise.all([receiver.close(), phone.close()]);
  });

  it('answers sync with the stored entries after a seq, and ack moves the device cursor', async () => {
    const phone = await connectDevice(t, multi, 'r5', { autoAck: false });
    const base = phone.synced[0]!.seq;
    for (const body of ['1', '2', '3']) await multi.post('/message/private/publish.json', { fromUserId: 'x', toUserId: 'r5', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: body }) });
    await phone.received(3);
    const page = await phone.client.request<{ messages: Array<{ seq: number }>; hasMore: boolean }>('sync', { afterSeq: base + 1, limit: 1 });
    expect(page.messages.map((m) => m.seq)).toEqual([base + 2]);
    expect(page.hasMore).toBe(true);
    const rest = await phone.client.request<{ messages: Array<{ seq: number }>; hasMore: boolean }>('sync', { afterSeq: base + 2 });
    expect(rest).toMatchObject({ messages: [{ seq: base + 3 }], hasMore: false });
    await phone.client.request('ack', { seq: base + 2 });
    expect(await t.deps.inbox.cursor(multi.appKey, 'r5', 'r5-phone')).toBe(base + 2);
    await expect(phone.client.request('ack', { seq: -1 })).rejects.toMatchObject({ code: 1002 });
    await expect(phone.client.request<unknown>('ack', {})).rejects.toMatchObject({ code: 1002 });
    expect(await t.deps.inbox.cursor(multi.appKey, 'r5', 'r5-phone')).toBe(base + 2);
    for (const bad of [{}, { afterSeq: 'x' }, { afterSeq: 0, limit: 0 }, { afterSeq: 0, limit: 501 }]) {
      await expect(phone.client.request<unknown>('sync', bad)).rejects.toMatchObject({ code: 1002 });
    }
  });
});

describe('RC:SRSMsg (read-position sync)', () => {
  it('goes to the sender\'s own other devices only, never to the peer, and waits for offline ones', async () => {
    const peer = await connectDevice(t, multi, 'srs-peer');
    const phone = await connectDevice(t, multi, 'srs-me');
    const desk = await connectDevice(t, multi, 'srs-me', { deviceId: 'desk', platform: 'desktop' });
    const content = { lastMessageSendTime: 1234 };
    const result = await phone.client.send({ conversationType: 1, targetId: 'srs-peer', objectName: 'RC:SRSMsg', content });
    const [sync] = await desk.received(1);
    expect(sync).toMatchObject({ objectName: 'RC:SRSMsg', targetId: 'srs-peer', messageUId: result.messageUId, seq: expect.any(Number) });
    const web = await connectDevice(t, multi, 'srs-me', { deviceId: 'browser', platform: 'web' });
    expect(web.messages.map((m) => m.objectName)).toEqual(['RC:SRSMsg']);
    await settle();
    expect(peer.messages).toHaveLength(0);
    expect(phone.messages).toHaveLength(0);
  });
});
