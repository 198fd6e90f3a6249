import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';
import { freshStorage, storageMode, type TestStorage } from '../helpers/storage.js';

/**
 * Two nodes in one process on one Postgres and Redis: a membership or relation change made
 * through one node is seen by the other's next send at once, not after its cache expires.
 * (The embedded engine is single-node, so services only.)
 */
const services = storageMode === 'services';
let storage: TestStorage;
let nodeA: TestServer;
let nodeB: TestServer;
let viaA: TestApp;
let viaB: TestApp;

beforeAll(async () => {
  if (!services) return;
  storage = await freshStorage();
  const apps = [{ appKey: `news${Date.now()}`, appSecret: 'news-secret' }];
  nodeA = await startServer({ storage, apps, nodeId: 'news-a' });
  nodeB = await startServer({ storage, apps, nodeId: 'news-b' });
  [viaA, viaB] = [nodeA.app(), nodeB.app()];
});
afterAll(async () => {
  if (!services) return;
  await nodeB.close();
  await nodeA.close();
  await storage.release();
});

const txt = (text: string) => JSON.stringify({ content: text });
const ok = (res: { body: { code: number } }) => expect(res.body).toMatchObject({ code: 200 });

describe.skipIf(!services)('cache news between nodes', () => {
  it('a group member removed on one node gets nothing from the other node\'s next send; one added gets it', async () => {
    ok(await viaA.post('/group/create.json', { userId: ['mn-a', 'mn-b'], groupId: 'mn', groupName: 'N' }));
    const member = await connectDevice(nodeB, viaB, 'mn-b');
    const joiner = await connectDevice(nodeB, viaB, 'mn-c');
    // Node B reads and caches the members.
    ok(await viaB.post('/message/group/publish.json', { fromUserId: 'mn-a', toGroupId: 'mn', objectName: 'RC:TxtMsg', content: txt('first') }));
    await member.received(1);

    ok(await viaA.post('/group/quit.json', { userId: 'mn-b', groupId: 'mn' }));
    ok(await viaA.post('/group/join.json', { userId: 'mn-c', groupId: 'mn', groupName: 'N' }));
    await settle(50);
    ok(await viaB.post('/message/group/publish.json', { fromUserId: 'mn-a', toGroupId: 'mn', objectName: 'RC:TxtMsg', content: txt('second') }));
    await joiner.received(1);
    await settle();
    expect(member.messages.map((m) => m.content)).toEqual([txt('first')]);
  });

  it('an ultra group member removed on one node is out of the other node\'s audience at once', async () => {
    ok(await viaA.post('/ultragroup/create.json', { userId: 'un-a', groupId: 'un', groupName: 'U' }));
    ok(await viaA.post('/ultragroup/join.json', { userId: 'un-b', groupId: 'un' }));
    const member = await connectDevice(nodeB, viaB, 'un-b');
    const publish = (text: string) => viaB.post('/message/ultragroup/publish.json', { fromUserId: 'un-a', toGroupIds: ['un'], objectName: 'RC:TxtMsg', content: txt(text) }, { json: true });
    ok(await publish('first'));
    await member.received(1);

    ok(await viaA.post('/ultragroup/quit.json', { userId: 'un-b', groupId: 'un' }));
    await settle(50);
    ok(await publish('second'));
    await settle();
    expect(member.messages.map((m) => m.content)).toEqual([txt('first')]);
  });

  it('a block made on one node refuses the next device send on the other node', async () => {
    await viaA.post('/user/getToken.json', { userId: 'rb-bob', name: 'Bob' });
    const ann = await connectDevice(nodeB, viaB, 'rb-ann');
    // Node B reads and caches bob's relations toward ann.
    await ann.client.send({ conversationType: 1, targetId: 'rb-bob', objectName: 'RC:TxtMsg', content: { content: 'hi' } });
    ok(await viaA.post('/user/blacklist/add.json', { userId: 'rb-bob', blackUserId: 'rb-ann' }));
    await settle(50);
    await expect(ann.client.send({ conversationType: 1, targetId: 'rb-bob', objectName: 'RC:TxtMsg', content: { content: 'again' } })).rejects.toMatchObject({ code: 405 });
    ok(await viaA.post('/user/blacklist/remove.json', { userId: 'rb-bob', blackUserId: 'rb-ann' }));
    await settle(50);
    await ann.client.send({ conversationType: 1, targetId: 'rb-bob', objectName: 'RC:TxtMsg', content: { content: 'friends again' } });
  });
});
