import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/core/apps.js';
import { startServer, type TestServer, officialNodeSdk } from '../helpers/server.js';

type Call = (arg?: Record<string, unknown>) => Promise<Record<string, unknown>>;
interface MemberCalls {
  add: Call;
  remove: Call;
  getList: Call;
}
const RongSDK = createRequire(import.meta.url)('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => {
  Group: {
    create: Call;
    join: Call;
    quit: Call;
    dismiss: Call;
    update: Call;
    get: Call;
    sync: Call;
    Gag: MemberCalls;
    Mute: { All: MemberCalls; Member: MemberCalls; Whitelist: MemberCalls };
  };
};

let t: TestServer;
let sdk: ReturnType<typeof RongSDK>;
let app: App;
beforeAll(async () => {
  t = await startServer({ apps: [officialNodeSdk] });
  sdk = RongSDK({ appkey: t.app().appKey, secret: t.app().appSecret, api: t.baseUrl });
  app = t.deps.apps.get(t.app().appKey)!;
});
afterAll(() => t.close());

/** The SDK refuses some input itself (rejecting), and resolves with the server's error otherwise. */
const outcome = (call: Promise<Record<string, unknown>>) => call.then((r) => r, (e: unknown) => e as Record<string, unknown>);
const ok = { code: 200 };
const users = (...ids: string[]) => ids.map((id) => ({ id }));
const userGroups = async (userId: string) => (await t.app().post('/user/group/query.json', { userId })).body.groups;

describe('rongcloud-sdk 3.1.1 group calls against Parley', () => {
  it('Group.create / get / join / quit / update / dismiss', async () => {
    expect(await sdk.Group.create({ id: 'sg1', name: 'SDK group', members: users('sg-a', 'sg-b') })).toMatchObject(ok);
    expect(await sdk.Group.get({ id: 'sg1' })).toMatchObject({ code: 200, members: users('sg-a', 'sg-b') });
    expect(await sdk.Group.join({ id: 'sg1', name: 'SDK group', member: { id: 'sg-c' } })).toMatchObject(ok);
    expect(await sdk.Group.quit({ id: 'sg1', member: { id: 'sg-a' } })).toMatchObject(ok);
    expect(await t.deps.groups.members(app, 'sg1')).toEqual(['sg-b', 'sg-c']);
    expect(await sdk.Group.update({ id: 'sg1', name: 'Renamed' })).toMatchObject(ok);
    expect(await userGroups('sg-b')).toEqual([{ id: 'sg1', name: 'Renamed' }]);
    expect(await sdk.Group.dismiss({ id: 'sg1', member: { id: 'sg-b' } })).toMatchObject(ok);
    expect(await outcome(sdk.Group.get({ id: 'sg1' }))).toMatchObject({ code: 25410 });
    expect(await userGroups('sg-b')).toEqual([]);
  });

  it('Group.join creates an absent group', async () => {
    expect(await sdk.Group.join({ id: 'sg-new', name: 'Fresh', member: { id: 'sj-a' } })).toMatchObject(ok);
    expect(await userGroups('sj-a')).toEqual([{ id: 'sg-new', name: 'Fresh' }]);
  });

  it('Group.sync replaces the user\'s groups', async () => {
    await sdk.Group.create({ id: 'ss-old', name: 'Old', members: users('ss-u') });
    const synced = await sdk.Group.sync({ id: 'ss-u', groups: [{ id: 'ss-1', name: 'One' }, { id: 'ss-2', name: 'Two' }] });
    expect(synced).toMatchObject(ok);
    expect(await userGroups('ss-u')).toEqual([{ id: 'ss-1', name: 'One' }, { id: 'ss-2', name: 'Two' }]);
    expect(await sdk.Group.get({ id: 'ss-old' })).toMatchObject({ code: 200, members: [] });
  });

  it('Group.Gag and Group.Mute.Member add / getList / remove', async () => {
    await sdk.Group.create({ id: 'sgag', name: 'Gags', members: users('gg-a', 'gg-b') });
    expect(await sdk.Group.Gag.add({ id: 'sgag', members: users('gg-a'), minute: 10 })).toMatchObject(ok);
    expect(await sdk.Group.Mute.Member.add({ id: 'sgag', members: users('gg-b'), minute: 0 })).toMatchObject(ok);
    const gags = await sdk.Group.Gag.getList({ id: 'sgag' });
    expect(gags).toMatchObject({ code: 200, members: [{ id: 'gg-a', time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) }, { id: 'gg-b' }] });
    await expect(t.deps.groups.assertCanSend(app, 'sgag', 'gg-a', true)).rejects.toMatchObject({ code: 22408 });
    expect(await sdk.Group.Gag.remove({ id: 'sgag', members: users('gg-a') })).toMatchObject(ok);
    expect(await sdk.Group.Mute.Member.remove({ id: 'sgag', members: users('gg-b') })).toMatchObject(ok);
    expect(await sdk.Group.Mute.Member.getList({ id: 'sgag' })).toMatchObject({ code: 200, members: [] });
    await expect(t.deps.groups.assertCanSend(app, 'sgag', 'gg-a', true)).resolves.toBeUndefined();
  });

  it('Group.Mute.All and Group.Mute.Whitelist add / getList / remove', async () => {
    await sdk.Group.create({ id: 'smute', name: 'Quiet', members: users('sm-a', 'sm-b') });
    expect(await sdk.Group.Mute.All.add({ groups: [{ id: 'smute' }] })).toMatchObject(ok);
    expect(await sdk.Group.Mute.All.getList()).toMatchObject({ code: 200, groups: [{ id: 'smute', isMuted: '1' }] });
    expect(await sdk.Group.Mute.Whitelist.add({ id: 'smute', members: users('sm-b') })).toMatchObject(ok);
    expect(await sdk.Group.Mute.Whitelist.getList({ id: 'smute' })).toMatchObject({ code: 200, members: users('sm-b') });
    await expect(t.deps.groups.assertCanSend(app, 'smute', 'sm-a', true)).rejects.toMatchObject({ code: 22408 });
    await expect(t.deps.groups.assertCanSend(app, 'smute', 'sm-b', true)).resolves.toBeUndefined();
    expect(await sdk.Group.Mute.Whitelist.remove({ id: 'smute', members: users('sm-b') })).toMatchObject(ok);
    expect(await sdk.Group.Mute.Whitelist.getList({ id: 'smute' })).toMatchObject({ code: 200, members: [] });
    expect(await sdk.Group.Mute.All.remove({ groups: [{ id: 'smute' }] })).toMatchObject(ok);
    expect(await sdk.Group.Mute.All.getList()).toMatchObject({ code: 200, groups: [] });
    await expect(t.deps.groups.assertCanSend(app, 'smute', 'sm-a', true)).resolves.toBeUndefined();
  });

  it('an unknown group or bad input is refused and writes nothing', async () => {
    expect(await outcome(sdk.Group.Gag.add({ id: 'sg-none', members: users('x'), minute: 5 }))).toMatchObject({ code: 25410 });
    expect(await outcome(sdk.Group.Mute.All.add({ groups: [{ id: 'sg-none' }] }))).toMatchObject({ code: 25410 });
    expect(await outcome(sdk.Group.update({ id: 'sg-none', name: 'X' }))).toMatchObject({ code: 25410 });
    const created = await outcome(sdk.Group.create({ id: 'bad group', name: 'B', members: users('x') }));
    expect(created.code).not.toBe(200);
    expect(await outcome(sdk.Group.get({ id: 'bad group' }))).not.toMatchObject(ok);
    expect(await userGroups('x')).toEqual([]);
  });
});
