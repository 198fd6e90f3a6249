import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formEncode, signHeaders, startServer, type TestServer } from '../helpers/server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startServer({ apps: [{}, { signatureMaxAgeSeconds: 0 }] });
});
afterAll(() => t.close());

const rawPost = (path: string, headers: Record<string, string>, body: string) =>
  fetch(t.baseUrl + path, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

describe('signature (docs/server-api.md)', () => {
  it('accepts a correctly signed request', async () => {
    const res = await t.app().post('/user/getToken.json', { userId: 'sig-ok', name: 'A' });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(200);
  });

  it('accepts the RC- prefixed header names', async () => {
    const h = signHeaders(t.app());
    const res = await rawPost(
      '/user/checkOnline.json',
      { 'RC-App-Key': h['App-Key'], 'RC-Nonce': h.Nonce, 'RC-Timestamp': h.Timestamp, 'RC-Signature': h.Signature, 'Content-Type': 'application/x-www-form-urlencoded' },
      'userId=rc-prefixed',
    );
    expect(res).toEqual({ status: 200, body: { code: 200, status: '0' } });
  });

  it('refuses a wrong secret with HTTP 401 and code 1004', async () => {
    const headers = signHeaders({ appKey: t.app().appKey, appSecret: 'not-the-secret' });
    const res = await rawPost('/user/getToken.json', { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, 'userId=intruder');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe(1004);
    expect(typeof res.body.errorMessage).toBe('string');
    const info = await t.app().post('/user/info.json', { userId: 'intruder' });
    expect(info.body.code).toBe(1002); // nothing was registered
  });

  it('refuses missing headers and an unknown App-Key with 1004', async () => {
    const missing = await rawPost('/user/checkOnline.json', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'userId=a');
    expect([missing.status, missing.body.code]).toEqual([401, 1004]);
    const unknown = await rawPost('/user/checkOnline.json', { ...signHeaders({ appKey: 'nope', appSecret: 'x' }) }, 'userId=a');
    expect([unknown.status, unknown.body.code]).toEqual([401, 1004]);
  });

  it('signs over the raw header strings (Java-style nonce with a dot, 19-digit Go nonce)', async () => {
    for (const nonce of ['528382.6574630823', '9223372036854775807']) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const app = t.app();
      const signature = createHash('sha1').update(app.appSecret + nonce + timestamp).digest('hex');
      const res = await rawPost('/user/checkOnline.json', { 'App-Key': app.appKey, Nonce: nonce, Timestamp: timestamp, Signature: signature, 'Content-Type': 'application/x-www-form-urlencoded' }, 'userId=a');
      expect(res.body.code).toBe(200);
    }
  });

  it('by default takes a signed call once, within 300 s of its Timestamp, in seconds or milliseconds', async () => {
    const now = Date.now();
    const post = (headers: Record<string, string>, agent = 'app-backend/1.0') =>
      rawPost('/user/checkOnline.json', { ...headers, 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': agent }, 'userId=a');
    expect((await post(signHeaders(t.app(), String(Math.floor(now / 1000))))).body.code).toBe(200);
    expect((await post(signHeaders(t.app(), String(now)))).body.code).toBe(200);
    expect((await post(signHeaders(t.app(), String(Math.floor(now / 1000) - 290)))).body.code).toBe(200);
    for (const stale of [String(Math.floor(now / 1000) - 3600), String(now - 3_600_000), String(Math.floor(now / 1000) + 3600), '1507778882', 'soon']) {
      const res = await post(signHeaders(t.app(), stale));
      expect([res.status, res.body.code], stale).toEqual([401, 1004]);
      expect(res.body.errorMessage).toMatch(/Timestamp/);
    }

    const once = signHeaders(t.app());
    expect((await post(once)).body.code).toBe(200);
    const replayed = await post(once);
    expect([replayed.status, replayed.body.code]).toEqual([401, 1004]);
    expect(replayed.body.errorMessage).toMatch(/Nonce already used/);
    // The same Nonce with another Timestamp is another signed call.
    const sameNonce = signHeaders(t.app(), String(Math.floor(now / 1000) - 1));
    const again = { ...sameNonce, Nonce: once.Nonce, Signature: createHash('sha1').update(t.app().appSecret + once.Nonce + sameNonce.Timestamp).digest('hex') };
    expect((await post(again)).body.code).toBe(200);
    // A replayed call of the official Node SDK is told how to make that SDK work.
    expect((await post(once, 'rc-nodejs-sdk/3.1.1')).body.errorMessage).toMatch(/signatureMaxAgeSeconds to 0/);
  });

  it('takes exactly one of two copies of a signed call sent at once', async () => {
    const headers = { ...signHeaders(t.app()), 'Content-Type': 'application/x-www-form-urlencoded' };
    const [first, second] = await Promise.all([rawPost('/user/checkOnline.json', headers, 'userId=a'), rawPost('/user/checkOnline.json', headers, 'userId=a')]);
    expect([first.body.code, second.body.code].sort((x, y) => Number(x) - Number(y))).toEqual([200, 1004]);
  });

  it('with signatureMaxAgeSeconds 0 takes any Timestamp and a Nonce again (the official Node SDK signs once at start)', async () => {
    const open = t.app(1);
    const headers = { ...signHeaders(open, '1507778882'), 'Content-Type': 'application/x-www-form-urlencoded' };
    expect((await rawPost('/user/checkOnline.json', headers, 'userId=a')).body.code).toBe(200);
    expect((await rawPost('/user/checkOnline.json', headers, 'userId=a')).body.code).toBe(200);
  });
});

describe('request encoding (docs/server-api.md)', () => {
  it('reads JSON bodies with numbers and ignores unknown parameters', async () => {
    const res = await t.app().post('/user/getToken.json', { userId: 12345, name: 'Num', surprise: 'ignored' }, { json: true });
    expect(res.body).toMatchObject({ code: 200, userId: '12345' });
  });

  it('reads repeated keys as a list and comma-joined values', async () => {
    await t.app().post('/user/getToken.json', { userId: 'r1', name: 'r1' });
    await t.app().post('/user/getToken.json', { userId: 'r2', name: 'r2' });
    const res = await t.app().post('/user/token/expire.json', { userId: ['r1', 'r2'], time: Date.now() });
    expect(res.body.code).toBe(200);
    const joined = await t.app().post('/user/token/expire.json', { userId: 'r1,r2', time: Date.now() });
    expect(joined.body.code).toBe(200);
  });

  it('accepts a form body sent without Content-Type', async () => {
    const res = await rawPost('/user/getToken.json', signHeaders(t.app()), formEncode({ userId: 'no-ctype', name: 'N' }));
    expect(res.body).toMatchObject({ code: 200, userId: 'no-ctype' });
  });

  it('answers an empty body with a coded parameter error, not a 500', async () => {
    const res = await rawPost('/user/getToken.json', { ...signHeaders(t.app()), 'Content-Type': 'application/x-www-form-urlencoded' }, '');
    expect([res.status, res.body.code]).toEqual([400, 1002]);
    const json = await rawPost('/user/getToken.json', { ...signHeaders(t.app()), 'Content-Type': 'application/json' }, '{not json');
    expect([json.status, json.body.code]).toEqual([400, 1002]);
  });

  it('answers an unknown path with JSON 404', async () => {
    const res = await t.app().post('/no/such/thing.json', {});
    expect(res).toEqual({ status: 404, body: { code: 404, errorMessage: expect.stringContaining('/no/such/thing.json') } });
  });
});

describe('health', () => {
  it('answers 200 while storage answers', async () => {
    const res = await fetch(`${t.baseUrl}/health`);
    expect(res.status).toBe(200);
  });
});
