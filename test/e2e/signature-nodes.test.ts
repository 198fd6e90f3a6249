import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHeaders, startServer, type TestServer } from '../helpers/server.js';
import { sharedStores, type SharedStores } from '../helpers/shared-stores.js';

/** A signed call is good once on the whole deployment: two nodes share the nonces seen (Redis on services, one process embedded). */
let stores: SharedStores;
let a: TestServer;
let b: TestServer;
const app = { appKey: 'sig-nodes', appSecret: 'sig-nodes-secret' };
beforeAll(async () => {
  stores = await sharedStores();
  a = await startServer({ ...stores, apps: [app] });
  b = await startServer({ ...stores, apps: [app] });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await stores.close();
});

const checkOnline = (t: TestServer, headers: Record<string, string>) =>
  fetch(`${t.baseUrl}/user/checkOnline.json`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'userId=u' }).then(
    async (r) => (await r.json()) as { code: number },
  );

describe('replayed signed calls', () => {
  it('are refused (1004) by another node than the one that took the call', async () => {
    const headers = signHeaders(app);
    expect((await checkOnline(a, headers)).code).toBe(200);
    expect((await checkOnline(b, headers)).code).toBe(1004);
    expect((await checkOnline(b, signHeaders(app))).code).toBe(200);
  });
});
