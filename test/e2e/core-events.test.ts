import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent, MessageCommitted } from '../../src/core/delivery/events.js';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * The committed-event seam (core/delivery/events.ts), the one consumers such as push and
 * callbacks build on: one event per committed fact, after it is durable, carrying what a
 * consumer needs; nothing for what was refused; a failing listener harms nothing.
 */
let t: TestServer;
const seen: CoreEvent[] = [];
let stopListening: () => void;

beforeAll(async () => {
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true, multiDeviceSync: true } }] });
  stopListening = t.deps.events.on((event) => seen.push(event));
});
afterAll(() => t.close());

const committed = () => seen.filter((e): e is MessageCommitted => e.type === 'message.committed');
const text = (s: string) => JSON.stringify({ content: s });

describe('committed-message events', () => {
  it('one event per message, after it is written, with its receivers, their seqs and where they are online', async () => {
    const receiver = await connectDevice(t, t.app(), 'ev-r');
    const before = committed().length;
    const res = await t.app().post('/message/private/publish.json', { fromUserId: 'ev-s', toUserId: ['ev-r', 'ev-off'], objectName: 'RC:TxtMsg', content: text('hi'), pushContent: 'push me' });
    expect(res.body.code).toBe(200);
    const events = committed().slice(before);
    expect(events).toHaveLength(2);
    const [toOnline, toOffline] = events;
    expect(toOnline).toMatchObject({
      kind: 'private',
      origin: { kind: 'api', echo: false },
      fromUserId: 'ev-s',
      targetId: 'ev-r',
      historyKept: true,
      notice: false,
      flags: { persisted: true, counted: true, status: false },
      message: { objectName: 'RC:TxtMsg', targetId: 'ev-s', senderUserId: 'ev-s', pushContent: 'push me' },
    });
    expect(toOnline!.recipients).toEqual([{ userId: 'ev-r', seq: expect.any(Number), nodes: [t.deps.nodeId] }]);
    expect(toOffline!.recipients).toEqual([{ userId: 'ev-off', seq: expect.any(Number), nodes: [] }]);
    // Durable when announced: the inbox entry and the history row are there.
    const head = await t.deps.inbox.head(t.app().appKey, 'ev-r', Date.now());
    expect(head.seq).toBe(toOnline!.recipients[0]!.seq);
    const rows = await t.deps.sql.query('SELECT message_uid FROM messages WHERE message_uid = $1', [toOnline!.message.messageUId]);
    expect(rows.rows).toHaveLength(1);
    await receiver.close();
  });

  it('a device send, a group send and a recall are announced too; the sender\'s echo is a recipient', async () => {
    const sender = await connectDevice(t, t.app(), 'ev-dev');
    await t.app().post('/group/create.json', { userId: ['ev-dev', 'ev-m1', 'ev-m2'], groupId: 'ev-g', groupName: 'G' });
    const before = committed().length;
    const sent = await sender.client.send({ conversationType: 3, targetId: 'ev-g', objectName: 'RC:TxtMsg', content: text('to the group') });
    await sender.client.request('recall', { messageUId: sent.messageUId });
    const events = committed().slice(before);
    expect(events.map((e) => [e.kind, e.message.objectName, e.notice])).toEqual([
      ['group', 'RC:TxtMsg', false],
      ['group', 'RC:RcCmd', true],
    ]);
    expect(events[0]!.origin).toMatchObject({ kind: 'device', session: { deviceId: 'ev-dev-phone' } });
    expect(events[0]!.recipients.map((r) => r.userId).sort()).toEqual(['ev-dev', 'ev-m1', 'ev-m2']);
    expect(seen.filter((e) => e.type === 'message.recalled').map((e) => e.type === 'message.recalled' && e.messageUId)).toContain(sent.messageUId);
    await sender.close();
  });

  it('nothing is announced for a refused send', async () => {
    const before = seen.length;
    expect((await t.app().post('/message/private/publish.json', { fromUserId: 'ev-s', toUserId: 'ev-r', objectName: 'RC:TxtMsg', content: 'not json' })).body.code).toBe(1002);
    await t.app().post('/user/blacklist/add.json', { userId: 'ev-blocker', blackUserId: 'ev-blocked' });
    const blocked = await connectDevice(t, t.app(), 'ev-blocked');
    const after = seen.length;
    await expect(blocked.client.send({ conversationType: 1, targetId: 'ev-blocker', objectName: 'RC:TxtMsg', content: text('no') })).rejects.toMatchObject({ code: 405 });
    expect(seen.slice(before).filter((e) => e.type === 'message.committed')).toEqual([]);
    expect(seen.slice(after).filter((e) => e.type === 'message.committed')).toEqual([]);
    await blocked.close();
  });

  it('sessions opening, catching up and closing, and read positions, are announced', async () => {
    const before = seen.length;
    const device = await connectDevice(t, t.app(), 'ev-sess');
    await device.client.request('read', { conversationType: 1, targetId: 'ev-s', lastReadTime: Date.now() });
    await device.close();
    const mine = () => seen.slice(before).filter((e) => ('session' in e ? e.session.userId : 'userId' in e ? e.userId : '') === 'ev-sess');
    await expect.poll(() => mine().map((e) => e.type)).toEqual(['session.opened', 'caught-up', 'read', 'session.closed']);
    expect(mine()[0]).toMatchObject({ session: { userId: 'ev-sess', deviceId: 'ev-sess-phone' }, address: '127.0.0.1' });
    expect(mine()[1]).toMatchObject({ type: 'caught-up', messages: 0 });
  });

  it('a listener that throws is reported and harms neither the send nor the other listeners; removed listeners hear nothing', async () => {
    const removed: CoreEvent[] = [];
    const stopFailing = t.deps.events.on(() => {
      throw new Error('a consumer bug');
    });
    const stopRemoved = t.deps.events.on((e) => removed.push(e));
    stopRemoved();
    const before = committed().length;
    expect((await t.app().post('/message/private/publish.json', { fromUserId: 'ev-s', toUserId: 'ev-x', objectName: 'RC:TxtMsg', content: text('still sent') })).body.code).toBe(200);
    expect(committed().length).toBe(before + 1);
    expect(removed).toEqual([]);
    stopFailing();
    await settle(50);
  });

  it('stops when the listener unsubscribes', async () => {
    stopListening();
    const before = seen.length;
    await t.app().post('/message/private/publish.json', { fromUserId: 'ev-s', toUserId: 'ev-y', objectName: 'RC:TxtMsg', content: text('unheard') });
    expect(seen.length).toBe(before);
  });
});
