import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/core/apps.js';
import { startServer, type TestServer, officialNodeSdk } from '../helpers/server.js';

type Call = (arg?: unknown) => Promise<Record<string, unknown>>;
type Trio = { add: Call; remove: Call; getList: Call };
interface ChatroomSdk {
  create: Call;
  destroy: Call;
  get: Call;
  isExist: Call;
  Ban: Trio;
  Block: Trio;
  Gag: Trio;
  Demotion: Trio;
  KeepAlive: Trio;
  Distribute: { stop: Call; resume: Call };
  Whitelist: { Message: Trio; User: Trio };
}
const RongSDK = createRequire(import.meta.url)('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => { Chatroom: ChatroomSdk };

let t: TestServer;
let sdk: ChatroomSdk;
let imApp: App;
beforeAll(async () => {
  t = await startServer({ apps: [officialNodeSdk] });
  sdk = RongSDK({ appkey: t.app().appKey, secret: t.app().appSecret, api: t.baseUrl }).Chatroom;
  imApp = t.deps.apps.get(t.app().appKey)!;
});
afterAll(() => t.close());

const members = (...ids: string[]) => ids.map((id) => ({ id }));
const join = (roomId: string, userId: string) =>
  t.deps.chatroomMembers.join(t.app().appKey, roomId, { sessionId: `${roomId}-${userId}`, userId, nodeId: t.deps.nodeId, joinedAt: Date.now() });

describe('rongcloud-sdk 3.1.1 Chatroom calls against Parley', () => {
  it('create / get / isExist / destroy', async () => {
    expect(await sdk.create([{ id: 'sdk-r1', name: 'Room 1' }, { id: 'sdk-r2', name: 'Room 2' }])).toMatchObject({ code: 200 });
    expect((await t.app().post('/chatroom/query.json', { chatroomId: ['sdk-r1', 'sdk-r2'] })).body.chatRooms).toHaveLength(2);
    await join('sdk-r1', 'sdk-u1');
    const got = await sdk.get({ id: 'sdk-r1' });
    expect(got).toMatchObject({ code: 200, total: 1, members: [{ id: 'sdk-u1' }] });
    const exist = await sdk.isExist({ id: 'sdk-r1', members: members('sdk-u1', 'sdk-u2') });
    expect(exist).toMatchObject({ code: 200, members: [{ id: 'sdk-u1', isInChrm: 1 }, { id: 'sdk-u2', isInChrm: 0 }] });
    expect(await sdk.destroy({ id: 'sdk-r2' })).toMatchObject({ code: 200 });
    expect((await t.app().post('/chatroom/query.json', { chatroomId: ['sdk-r1', 'sdk-r2'] })).body.chatRooms).toEqual([expect.objectContaining({ chrmId: 'sdk-r1' })]);
    expect((await sdk.get({ id: 'sdk-r2' })).code).toBe(23410);
  });

  it('Gag add / getList / remove', async () => {
    await sdk.create({ id: 'sdk-gag', name: 'g' });
    expect(await sdk.Gag.add({ id: 'sdk-gag', members: members('sdk-g1', 'sdk-g2'), minute: 5 })).toMatchObject({ code: 200 });
    expect(await sdk.Gag.getList({ id: 'sdk-gag' })).toMatchObject({ code: 200, members: [{ id: 'sdk-g1' }, { id: 'sdk-g2' }] });
    await expect(t.deps.chatrooms.assertCanSend(imApp, 'sdk-gag', 'sdk-g1', 'RC:TxtMsg')).rejects.toMatchObject({ code: 23408 });
    expect(await sdk.Gag.remove({ id: 'sdk-gag', members: members('sdk-g1') })).toMatchObject({ code: 200 });
    expect(await sdk.Gag.getList({ id: 'sdk-gag' })).toMatchObject({ members: [{ id: 'sdk-g2' }] });
  });

  it('Ban (app-wide) add / getList / remove', async () => {
    expect(await sdk.Ban.add({ members: members('sdk-b1'), minute: 10 })).toMatchObject({ code: 200 });
    expect(await sdk.Ban.getList()).toMatchObject({ code: 200, members: [{ id: 'sdk-b1' }] });
    expect(await sdk.Ban.remove({ members: members('sdk-b1') })).toMatchObject({ code: 200 });
    expect((await sdk.Ban.getList()).members).toEqual([]);
  });

  it('Block add / getList / remove kicks and lets back in', async () => {
    await sdk.create({ id: 'sdk-block', name: 'b' });
    await join('sdk-block', 'sdk-k1');
    expect(await sdk.Block.add({ id: 'sdk-block', members: members('sdk-k1'), minute: 5 })).toMatchObject({ code: 200 });
    expect(await t.deps.chatroomMembers.users(t.app().appKey, 'sdk-block')).toEqual([]);
    expect(await sdk.Block.getList({ id: 'sdk-block' })).toMatchObject({ code: 200, members: [{ id: 'sdk-k1' }] });
    await expect(t.deps.chatrooms.assertCanJoin(imApp, 'sdk-block', 'sdk-k1')).rejects.toMatchObject({ code: 23409 });
    expect(await sdk.Block.remove({ id: 'sdk-block', members: members('sdk-k1') })).toMatchObject({ code: 200 });
    await t.deps.chatrooms.assertCanJoin(imApp, 'sdk-block', 'sdk-k1');
  });

  it('Demotion (message priority) add / getList / remove', async () => {
    expect(await sdk.Demotion.add({ msgs: ['RC:TxtMsg', 'RC:ImgMsg'] })).toMatchObject({ code: 200 });
    expect(await sdk.Demotion.getList()).toMatchObject({ code: 200, objectNames: ['RC:ImgMsg', 'RC:TxtMsg'] });
    expect(await sdk.Demotion.remove({ msgs: ['RC:ImgMsg'] })).toMatchObject({ code: 200 });
    expect((await sdk.Demotion.getList()).objectNames).toEqual(['RC:TxtMsg']);
  });

  it('Distribute stop / resume', async () => {
    await sdk.create({ id: 'sdk-dist', name: 'd' });
    expect(await sdk.Distribute.stop({ id: 'sdk-dist' })).toMatchObject({ code: 200 });
    expect(await t.deps.chatrooms.isDistributionStopped(imApp, 'sdk-dist')).toBe(true);
    expect(await sdk.Distribute.resume({ id: 'sdk-dist' })).toMatchObject({ code: 200 });
    expect(await t.deps.chatrooms.isDistributionStopped(imApp, 'sdk-dist')).toBe(false);
  });

  it('KeepAlive add / getList / remove', async () => {
    await sdk.create({ id: 'sdk-alive', name: 'a' });
    expect(await sdk.KeepAlive.add({ id: 'sdk-alive' })).toMatchObject({ code: 200 });
    expect(await sdk.KeepAlive.getList()).toMatchObject({ code: 200, chatrooms: ['sdk-alive'] });
    expect(await sdk.KeepAlive.remove({ id: 'sdk-alive' })).toMatchObject({ code: 200 });
    expect((await sdk.KeepAlive.getList()).chatrooms).toEqual([]);
  });

  it('Whitelist.Message add / getList / remove', async () => {
    expect(await sdk.Whitelist.Message.add({ msgs: ['RC:CmdMsg'] })).toMatchObject({ code: 200 });
    expect(await sdk.Whitelist.Message.getList()).toMatchObject({ code: 200, objectNames: ['RC:CmdMsg'] });
    expect(await sdk.Whitelist.Message.remove({ msgs: ['RC:CmdMsg'] })).toMatchObject({ code: 200 });
    expect((await sdk.Whitelist.Message.getList()).objectNames).toEqual([]);
  });

  it('Whitelist.User add / getList / remove', async () => {
    await sdk.create({ id: 'sdk-wl', name: 'w' });
    expect(await sdk.Whitelist.User.add({ id: 'sdk-wl', members: members('sdk-w1', 'sdk-w2') })).toMatchObject({ code: 200 });
    expect(await sdk.Whitelist.User.getList({ id: 'sdk-wl' })).toMatchObject({ code: 200, members: [{ id: 'sdk-w1' }, { id: 'sdk-w2' }] });
    expect(await sdk.Whitelist.User.remove({ id: 'sdk-wl', members: members('sdk-w1') })).toMatchObject({ code: 200 });
    expect((await sdk.Whitelist.User.getList({ id: 'sdk-wl' })).members).toEqual([{ id: 'sdk-w2' }]);
  });
});
