import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

// /conversation/top/set.json as the Go SDK (ConversationTop) and the Java SDK (Conversation.setTop) send it.
let t: TestServer;
let app: TestApp;
beforeAll(async () => {
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true } }] });
  app = t.app();
});
afterAll(() => t.close());

interface Entry { conversationType: number; targetId: string; isTop: boolean }
const txt = (s: string) => JSON.stringify({ content: s });

describe('pinned conversations', () => {
  it('come first in the conversation list (WebSocket conversations op), also within a limit; unpinning restores time order', async () => {
    ok(await app.post('/group/create.json', { userId: ['pin-u', 'pin-a'], groupId: 'pin-g', groupName: 'G' }));
    ok(await app.post('/message/group/publish.json', { fromUserId: 'pin-a', toGroupId: 'pin-g', objectName: 'RC:TxtMsg', content: txt('oldest') }));
    for (const peer of ['pin-b', 'pin-c']) ok(await app.post('/message/private/publish.json', { fromUserId: peer, toUserId: 'pin-u', objectName: 'RC:TxtMsg', content: txt(peer) }));
    const device = await connectDevice(t, app, 'pin-u');
    const list = async (limit?: number) => (await device.client.request<{ conversations: Entry[] }>('conversations', limit ? { limit } : {})).conversations;
    expect((await list()).map((c) => [c.targetId, c.isTop])).toEqual([['pin-c', false], ['pin-b', false], ['pin-g', false]]);

    ok(await app.post('/conversation/top/set.json', { userId: 'pin-u', conversationType: 3, targetId: 'pin-g', setTop: 'true' }));
    ok(await app.post('/conversation/top/set.json', { userId: 'pin-u', conversationType: 1, targetId: 'pin-b', setTop: true }));
    expect((await list()).map((c) => [c.targetId, c.isTop])).toEqual([['pin-b', true], ['pin-g', true], ['pin-c', false]]);
    expect((await list(1)).map((c) => c.targetId)).toEqual(['pin-b']);

    ok(await app.post('/conversation/top/set.json', { userId: 'pin-u', conversationType: 1, targetId: 'pin-b', setTop: 'false' }));
    expect((await list()).map((c) => [c.targetId, c.isTop])).toEqual([['pin-g', true], ['pin-c', false], ['pin-b', false]]);
  });

  it.each([
    [{ userId: 'pin-u', conversationType: 4, targetId: 'pin-c', setTop: 'true' }],
    [{ userId: 'pin-u', conversationType: 1, targetId: 'pin-c', setTop: 'maybe' }],
    [{ userId: 'pin-u', conversationType: 1, targetId: 'pin-c' }],
    [{ conversationType: 1, targetId: 'pin-c', setTop: 'true' }],
  ])('refuses %j with 1002 and pins nothing', async (body) => {
    const res = await app.post('/conversation/top/set.json', body);
    expect([res.status, res.body.code]).toEqual([400, 1002]);
    const device = await connectDevice(t, app, 'pin-u', { deviceId: 'pin-u-check', platform: 'desktop' });
    const list = (await device.client.request<{ conversations: Entry[] }>('conversations')).conversations;
    expect(list.find((c) => c.targetId === 'pin-c')).toMatchObject({ isTop: false });
    await device.close();
  });
});

function ok(res: { body: { code: number } }) {
  expect(res.body.code).toBe(200);
}
