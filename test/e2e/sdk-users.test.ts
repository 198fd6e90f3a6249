import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, officialNodeSdk } from '../helpers/server.js';

// The official RongCloud Node SDK, unchanged, with its base URL pointed at Parley.
const RongSDK = createRequire(import.meta.url)('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => {
  User: {
    register(user: { id: string; name: string; portrait: string }): Promise<Record<string, unknown>>;
    update(user: { id: string; name: string; portrait: string }): Promise<Record<string, unknown>>;
    OnlineStatus: { get(user: { id: string }): Promise<Record<string, unknown>> };
  };
};

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ apps: [officialNodeSdk] });
});
afterAll(() => t.close());

describe('rongcloud-sdk 3.1.1 against Parley', () => {
  it('registers a user and gets a token that opens a session', async () => {
    const sdk = RongSDK({ appkey: t.app().appKey, secret: t.app().appSecret, api: t.baseUrl });
    const result = await sdk.User.register({ id: 'sdk-user', name: 'SDK User', portrait: 'http://p/x.png' });
    expect(result).toMatchObject({ code: 200, userId: 'sdk-user', token: expect.any(String) });
    const update = await sdk.User.update({ id: 'sdk-user', name: 'Renamed', portrait: 'http://p/y.png' });
    expect(update).toMatchObject({ code: 200 });
    expect((await t.app().post('/user/info.json', { userId: 'sdk-user' })).body).toMatchObject({ userName: 'Renamed' });
    const online = await sdk.User.OnlineStatus.get({ id: 'sdk-user' });
    expect(online).toMatchObject({ code: 200, status: '0' });
  });

  it('gets the SDK\'s own error for a wrong secret (our 1004 mapped by its fail table)', async () => {
    const sdk = RongSDK({ appkey: t.app().appKey, secret: 'wrong', api: t.baseUrl });
    const result = await sdk.User.register({ id: 'nobody', name: 'N', portrait: 'http://p/x.png' });
    expect(JSON.stringify(result)).toMatch(/1004|20000/);
    expect((await t.app().post('/user/info.json', { userId: 'nobody' })).body.code).toBe(1002);
  });
});
