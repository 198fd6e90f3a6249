import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, ManualClock, settle, type Device } from '../helpers/device.js';
import { faultyBus, type BusFaults } from '../helpers/faulty-bus.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { sharedStores, type SharedStores } from '../helpers/shared-stores.js';

/**
 * Two nodes in this process on shared stores, each talking to the other through a bus
 * that can lose, repeat and reorder node events (core/node-events.ts promises at most once,
 * unordered). Devices must still get every message once, and caches must still catch up.
 */
let stores: SharedStores;
let nodeA: TestServer;
let nodeB: TestServer;
const faultsA: BusFaults = {};
const clock = new ManualClock(Date.now());
const app = { appKey: `routing${Date.now()}`, appSecret: 'routing-secret', features: { multiDeviceSync: true } };

beforeAll(async () => {
  stores = await sharedStores();
  nodeA = await startServer({ ...stores, apps: [app], clock, nodeId: 'route-a', wrapBus: (bus) => faultyBus(bus, faultsA) });
  nodeB = await startServer({ ...stores, apps: [app], clock, nodeId: 'route-b' });
});

afterAll(async () => {
  await nodeA.close();
  await nodeB.close();
  await stores.close();
});

const text = (s: string) => JSON.stringify({ content: s });
const texts = (device: Device) => device.messages.filter((m) => m.objectName === 'RC:TxtMsg').map((m) => JSON.parse(m.content) as { content: string });

async function sendFromA(userId: string, count: number, label: string): Promise<void> {
  const sender = await connectDevice(nodeA, nodeA.app(), `${label}-sender`);
  for (let i = 0; i < count; i++) await sender.client.send({ conversationType: 1, targetId: userId, objectName: 'RC:TxtMsg', content: text(`${label}-${i}`) });
  await sender.close();
}

describe('node routing over a bus that loses, repeats and reorders', () => {
  it('a node that was alone (reading no presence) sees the node that joined before that node serves: pushes reach it at once', async () => {
    const receiver = await connectDevice(nodeB, nodeB.app(), 'joined-r');
    await nodeA.app().post('/message/private/publish.json', { fromUserId: 'joined-s', toUserId: 'joined-r', objectName: 'RC:TxtMsg', content: text('from the first node') });
    await expect.poll(() => texts(receiver).map((t) => t.content), { timeout: 2_000 }).toEqual(['from the first node']);
    await receiver.close();
  });

  it('pushes lost on the bus are recovered from the inbox: the next message shows the hole, sync fills it', async () => {
    const receiver = await connectDevice(nodeB, nodeB.app(), 'lost-r');
    faultsA.drop = 1;
    await sendFromA('lost-r', 10, 'lost');
    await settle(200);
    expect(texts(receiver)).toEqual([]);
    faultsA.drop = 0;
    // A message from the receiver's own node arrives live, above the hole.
    await nodeB.app().post('/message/private/publish.json', { fromUserId: 'lost-admin', toUserId: 'lost-r', objectName: 'RC:TxtMsg', content: text('local') });
    await expect.poll(() => texts(receiver).length, { timeout: 5_000 }).toBe(11);
    expect(new Set(texts(receiver).map((t) => t.content)).size).toBe(11);
    await receiver.close();
  });

  it('repeated and reordered pushes reach the device once each, and its watermark reaches the head', async () => {
    const receiver = await connectDevice(nodeB, nodeB.app(), 'chaos-r');
    Object.assign(faultsA, { duplicate: true, reorder: true });
    await sendFromA('chaos-r', 30, 'chaos');
    Object.assign(faultsA, { duplicate: false, reorder: false });
    await expect.poll(() => texts(receiver).length, { timeout: 5_000 }).toBe(30);
    await settle(200);
    expect(texts(receiver)).toHaveLength(30);
    expect(new Set(texts(receiver).map((t) => t.content)).size).toBe(30);
    const head = await nodeB.deps.inbox.head(app.appKey, 'chaos-r', clock.now());
    await expect.poll(() => receiver.client.lastSeq).toBe(head.seq);
    await receiver.close();
  });

  it('a lost staleness notice is bounded by the cache ttl; a repeated one is harmless', async () => {
    const api = nodeA.app();
    await api.post('/group/create.json', { userId: ['st-a', 'st-b'], groupId: 'stale', groupName: 'S' });
    const late = await connectDevice(nodeB, nodeB.app(), 'st-late');
    const groupSend = (s: string) => nodeB.app().post('/message/group/publish.json', { fromUserId: 'st-a', toGroupId: 'stale', objectName: 'RC:TxtMsg', content: text(s) });
    await groupSend('members read by node B');
    faultsA.drop = 1;
    await api.post('/group/join.json', { userId: 'st-late', groupId: 'stale' });
    faultsA.drop = 0;
    await groupSend('B still has the old members');
    await settle(200);
    expect(texts(late)).toEqual([]);
    clock.advance(5_001);
    await groupSend('B read the members again');
    await expect.poll(() => texts(late).map((t) => t.content)).toEqual(['B read the members again']);

    faultsA.duplicate = true;
    await api.post('/group/quit.json', { userId: 'st-late', groupId: 'stale' });
    faultsA.duplicate = false;
    await settle(100);
    await groupSend('st-late left');
    await settle(200);
    expect(texts(late).map((t) => t.content)).toEqual(['B read the members again']);
    await late.close();
  });
});
