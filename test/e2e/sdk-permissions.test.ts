import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, officialNodeSdk } from '../helpers/server.js';

type Call = (arg?: Record<string, unknown>) => Promise<Record<string, unknown>>;
const RongSDK = createRequire(import.meta.url)('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => {
  User: { Blacklist: { add: Call; remove: Call; getList: Call }; Block: { add: Call; remove: Call; getList: Call } };
  Sensitive: { add: Call; remove: Call; getList: Call };
};

let t: TestServer;
let sdk: ReturnType<typeof RongSDK>;
beforeAll(async () => {
  t = await startServer({ apps: [officialNodeSdk] });
  sdk = RongSDK({ appkey: t.app().appKey, secret: t.app().appSecret, api: t.baseUrl });
});
afterAll(() => t.close());

/** The SDK refuses some input itself (rejecting), and resolves with the server's error otherwise. */
const outcome = (call: Promise<Record<string, unknown>>) => call.then((r) => r, (e: unknown) => e as Record<string, unknown>);

describe('rongcloud-sdk 3.1.1 permission calls against Parley', () => {
  it('User.Blacklist add / getList / remove', async () => {
    expect(await sdk.User.Blacklist.add({ id: 'sdk-owner', blacklist: [{ id: 'sdk-b1' }, { id: 'sdk-b2' }] })).toMatchObject({ code: 200 });
    const list = await sdk.User.Blacklist.getList({ id: 'sdk-owner' });
    expect(JSON.stringify(list)).toContain('sdk-b1');
    expect(await sdk.User.Blacklist.remove({ id: 'sdk-owner', blacklist: [{ id: 'sdk-b1' }] })).toMatchObject({ code: 200 });
    expect((await t.app().post('/user/blacklist/query.json', { userId: 'sdk-owner' })).body.users).toEqual(['sdk-b2']);
  });

  it('User.Block add / getList / remove', async () => {
    expect(await sdk.User.Block.add({ id: 'sdk-banned', minute: 10 })).toMatchObject({ code: 200 });
    expect(JSON.stringify(await sdk.User.Block.getList())).toContain('sdk-banned');
    expect(await sdk.User.Block.remove({ id: 'sdk-banned' })).toMatchObject({ code: 200 });
    expect(JSON.stringify(await sdk.User.Block.getList())).not.toContain('sdk-banned');
  });

  it('Sensitive add (replace and block) / getList / remove', async () => {
    expect(await sdk.Sensitive.add({ keyword: 'gosh', replace: 'g**h', type: 0 })).toMatchObject({ code: 200 });
    expect(await sdk.Sensitive.add({ keyword: 'nasty', type: 1 })).toMatchObject({ code: 200 });
    const list = await sdk.Sensitive.getList();
    expect(list).toMatchObject({ code: 200 });
    expect(JSON.stringify(list)).toContain('gosh');
    expect(JSON.stringify(list)).toContain('nasty');
    expect(await sdk.Sensitive.remove({ keywords: ['gosh'] })).toMatchObject({ code: 200 });
    expect(JSON.stringify(await sdk.Sensitive.getList())).not.toContain('gosh');
  });

  it('refuses an over-long userId and 51 words, writing nothing', async () => {
    const longId = 'u'.repeat(65);
    const blocked = await outcome(sdk.User.Block.add({ id: longId, minute: 10 }));
    expect(blocked.code).not.toBe(200);
    const listed = await outcome(sdk.User.Blacklist.add({ id: longId, blacklist: [{ id: 'x' }] }));
    expect(listed.code).not.toBe(200);
    await sdk.Sensitive.add({ keyword: 'keepme', type: 1 });
    const removed = await outcome(sdk.Sensitive.remove({ keywords: ['keepme', ...Array.from({ length: 50 }, (_, i) => `w${i}`)] }));
    expect(removed.code).not.toBe(200);
    expect(JSON.stringify(await sdk.Sensitive.getList())).toContain('keepme');
    expect((await t.app().post('/user/block/query.json', {})).body.users).toEqual([]);
  });
});
