import { pino } from 'pino';
import { ParleyClient } from '../../src/client/node.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, adminOf } from '../helpers/admin.js';
import { CallbackReceiver, signatureIsValid } from '../helpers/callback-receiver.js';
import { connectDevice } from '../helpers/device.js';
import { appOn, startServer, type TestServer } from '../helpers/server.js';

/**
 * The admin API on one node (docs/admin.md): who may call it, and that each change is in
 * effect for the very next signed call, without a restart. Both storage modes.
 */
const adminToken = 'admin-token-for-tests-0123456789';
const logs: string[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
let t: TestServer;
let admin: ReturnType<typeof adminOf>;

beforeAll(async () => {
  t = await startServer({ adminToken, logger, apps: [{ features: { historyPrivateGroup: true } }] });
  admin = adminOf(t, adminToken);
});
afterAll(() => t.close());

let n = 0;
const newKey = (name: string) => `${name}${++n}${Date.now().toString(36)}`;

const getToken = (appKey: string, appSecret: string, userId: string) => appOn(t, appKey, appSecret).post('/user/getToken.json', { userId, name: userId });

describe('admin API: who may call it', () => {
  it('answers 401 without the token or with a wrong one, and never shows an app secret', async () => {
    for (const token of [undefined, 'wrong', `${adminToken}x`, adminToken.slice(0, -1)]) {
      const res = await adminCall(t, token, 'GET', '/apps');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    // A wrong scheme is wrong too.
    const basic = await fetch(`${t.baseUrl}/admin/v1/apps`, { headers: { authorization: `Basic ${adminToken}` } });
    expect(basic.status).toBe(401);

    const res = await admin('GET', '/apps');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const listed = res.body.apps as Array<Record<string, unknown>>;
    expect(listed.map((a) => a.appKey)).toContain(t.app().appKey);
    expect(listed.find((a) => a.appKey === t.app().appKey)).toMatchObject({ features: { historyPrivateGroup: true, multiDeviceSync: false }, version: expect.any(Number) });
    expect(JSON.stringify(res.body)).not.toContain(t.app().appSecret);
    expect(listed.every((a) => !('appSecret' in a))).toBe(true);
  });

  it('a refused call changes nothing', async () => {
    const appKey = newKey('refused');
    expect((await adminCall(t, 'wrong', 'PUT', `/apps/${appKey}`, { appSecret: 'x' })).status).toBe(401);
    expect((await admin('GET', `/apps/${appKey}`)).status).toBe(404);
  });

  it('is not there (404) on a node without ADMIN_TOKEN', async () => {
    const off = await startServer({});
    try {
      expect((await adminCall(off, adminToken, 'GET', '/apps')).status).toBe(404);
      expect((await adminCall(off, undefined, 'PUT', `/apps/${off.app().appKey}`, { appSecret: 'x' })).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('admin API: changes in effect at once', () => {
  it('PUT creates an app that a signed call uses at once, then replaces it whole', async () => {
    const appKey = newKey('created');
    expect((await getToken(appKey, 'created-secret', 'u1')).body.code).toBe(1004);
    const created = await admin('PUT', `/apps/${appKey}`, { appSecret: 'created-secret', features: { multiDeviceSync: true }, rateLimits: { '/user/info.json': 5 } });
    expect(created.status).toBe(201);
    expect(created.body.app).toMatchObject({ appKey, features: { multiDeviceSync: true, offlineMessageDays: 7 }, rateLimits: { '/user/info': 5 } });
    expect(JSON.stringify(created.body)).not.toContain('created-secret');
    expect((await getToken(appKey, 'created-secret', 'u1')).body).toMatchObject({ code: 200, token: expect.any(String) });

    // Replaced: what the PUT leaves out is back to its default.
    const replaced = await admin('PUT', `/apps/${appKey}`, { appSecret: 'replaced-secret', features: {} });
    expect(replaced.status).toBe(200);
    expect(replaced.body.app).toMatchObject({ features: { multiDeviceSync: false } });
    expect(replaced.body.app).not.toHaveProperty('rateLimits');
    expect((replaced.body.app as { version: number }).version).toBeGreaterThan((created.body.app as { version: number }).version);
    expect((await getToken(appKey, 'created-secret', 'u1')).body.code).toBe(1004);
    expect((await getToken(appKey, 'replaced-secret', 'u1')).body.code).toBe(200);
    expect((await admin('GET', `/apps/${appKey}`)).body.app).toMatchObject({ appKey, features: { multiDeviceSync: false } });
  });

  it('PATCH merges (RFC 7396): named fields change, others stay, null removes', async () => {
    const appKey = newKey('patched');
    await admin('PUT', `/apps/${appKey}`, { appSecret: 'patched-secret', signatureMaxAgeSeconds: 60, features: { historyPrivateGroup: true, timezone: 'Asia/Shanghai' }, rateLimits: { '/user/info': 3 } });
    const res = await admin('PATCH', `/apps/${appKey}`, { features: { multiDeviceSync: true }, signatureMaxAgeSeconds: null, rateLimits: { '/user/getToken': 1 } });
    expect(res.status).toBe(200);
    expect(res.body.app).toMatchObject({ features: { multiDeviceSync: true, historyPrivateGroup: true, timezone: 'Asia/Shanghai' }, rateLimits: { '/user/info': 3, '/user/getToken': 1 } });
    expect(res.body.app).toHaveProperty('signatureMaxAgeSeconds', 300); // removed: back to the default
    // The secret was not in the patch: it is kept.
    expect((await getToken(appKey, 'patched-secret', 'u1')).body.code).toBe(200);
    // The new limit holds for the next calls: one a second on getToken (five at once span at most two seconds).
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => getToken(appKey, 'patched-secret', `burst${i}`)));
    expect(answers.some((a) => a.status === 429 && a.body.code === 1008)).toBe(true);
  });

  it('rotating the secret answers the new one: the old one is refused at once, the new one accepted, old user tokens refused', async () => {
    const appKey = newKey('rotated');
    await admin('PUT', `/apps/${appKey}`, { appSecret: 'before-rotation', features: {} });
    const oldUserToken = String((await getToken(appKey, 'before-rotation', 'r1')).body.token);
    const res = await admin('POST', `/apps/${appKey}/secret`);
    expect(res.status).toBe(200);
    const appSecret = String(res.body.appSecret);
    expect(res.body).toMatchObject({ code: 200, appKey, appSecret: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await getToken(appKey, 'before-rotation', 'r1')).body.code).toBe(1004);
    expect((await getToken(appKey, appSecret, 'r1')).body.code).toBe(200);
    expect((await t.deps.users.authenticate(oldUserToken).catch((err: { code: number }) => err.code))).toBe(31004);
    expect(logs.join('\n')).not.toContain(appSecret);
  });

  it('DELETE stops the app\'s signed calls and closes its sessions; the data stays for a later PUT of the key', async () => {
    const appKey = newKey('deleted');
    await admin('PUT', `/apps/${appKey}`, { appSecret: 'deleted-secret', features: {} });
    const device = await connectDevice(t, appOn(t, appKey, 'deleted-secret'), 'd1');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => device.client.on('close', (code, reason) => resolve({ code, reason })));
    const kicked = new Promise((resolve) => device.client.on('kicked', resolve));

    const res = await admin('DELETE', `/apps/${appKey}`);
    expect(res.status).toBe(200);
    expect(await kicked).toBe('token-revoked');
    expect((await closed).code).toBe(4002);
    expect((await getToken(appKey, 'deleted-secret', 'd1')).body.code).toBe(1004);
    expect((await admin('GET', `/apps/${appKey}`)).status).toBe(404);
    expect((await admin('DELETE', `/apps/${appKey}`)).status).toBe(404);

    await admin('PUT', `/apps/${appKey}`, { appSecret: 'deleted-secret', features: {} });
    expect((await appOn(t, appKey, 'deleted-secret').post('/user/info.json', { userId: 'd1' })).body).toMatchObject({ code: 200, userName: 'name-d1' });
  });

  it('a device whose app is deleted while it authenticates is refused, not left with a session', async () => {
    const appKey = newKey('raced');
    await admin('PUT', `/apps/${appKey}`, { appSecret: 'raced-secret', features: {} });
    const token = String((await getToken(appKey, 'raced-secret', 'late')).body.token);
    const users = t.deps.users;
    const authenticate = users.authenticate.bind(users);
    // The deletion lands between the token's check and the session's registration.
    users.authenticate = async (...args) => {
      const authenticated = await authenticate(...args);
      await t.deps.appSettings.remove(appKey);
      return authenticated;
    };
    try {
      const client = new ParleyClient({ url: t.wsUrl, token, deviceId: 'late-phone', platform: 'ios', reconnect: false });
      await expect(client.connect()).rejects.toMatchObject({ code: 31004 });
      await client.close();
    } finally {
      users.authenticate = authenticate;
    }
    expect(t.deps.devices.size).toBe(0);
  });
});

describe('admin API: what is built per app follows a change', () => {
  const [first, second] = [new CallbackReceiver(), new CallbackReceiver()];
  beforeAll(async () => {
    await Promise.all([first.up(), second.up()]);
  });
  afterAll(async () => {
    await Promise.all([first.down(), second.down()]);
  });

  it('routing callbacks start, move to a new URL, sign with a rotated secret, and stop, as the app is changed', async () => {
    const appKey = newKey('routed');
    await admin('PUT', `/apps/${appKey}`, { appSecret: 'routed-secret', features: {} });
    let secret = 'routed-secret';
    const app = () => appOn(t, appKey, secret);
    const publish = async (text: string) => {
      const res = await app().post('/message/private/publish.json', { fromUserId: 'r1', toUserId: 'r2', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: text }) });
      expect(res.body.code).toBe(200);
    };

    await admin('PATCH', `/apps/${appKey}`, { callbacks: { messageRoute: { url: first.url, includeServerApi: true } } });
    await publish('to the first');
    const [toFirst] = await first.waitForAccepted(1);
    expect(JSON.parse(toFirst!.form.content!)).toEqual({ content: 'to the first' });
    expect(signatureIsValid(toFirst!, 'routed-secret')).toBe(true);

    await admin('PATCH', `/apps/${appKey}`, { callbacks: { messageRoute: { url: second.url } } });
    secret = String((await admin('POST', `/apps/${appKey}/secret`)).body.appSecret);
    await publish('to the second');
    const [toSecond] = await second.waitForAccepted(1);
    expect(JSON.parse(toSecond!.form.content!)).toEqual({ content: 'to the second' });
    expect(signatureIsValid(toSecond!, secret)).toBe(true);

    await admin('PATCH', `/apps/${appKey}`, { callbacks: null });
    await publish('to nobody');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect([first.received.length, second.received.length]).toEqual([1, 1]);
  });
});

describe('admin API: bad input', () => {
  it('is answered 4xx naming the problem and writes nothing', async () => {
    const appKey = newKey('guarded');
    await admin('PUT', `/apps/${appKey}`, { appSecret: 'guarded-secret', features: { historyPrivateGroup: true } });
    const before = (await admin('GET', `/apps/${appKey}`)).body.app;

    const refusals: Array<[method: string, body: unknown, names: string]> = [
      ['PUT', { appSecret: 'x', features: { offlineCompensationDays: 99 } }, 'features.offlineCompensationDays'],
      ['PUT', { appSecret: 'x', features: { noSuchFeature: true } }, 'noSuchFeature'],
      ['PUT', { features: {} }, 'appSecret'],
      ['PUT', { appKey: 'other', appSecret: 'x' }, 'appKey'],
      ['PUT', [1, 2], 'body'],
      ['PUT', '{"appSecret": ', 'JSON'],
      ['PATCH', { features: { timezone: 'Mars/Olympus' } }, 'features.timezone'],
      ['PATCH', { appSecret: '' }, 'appSecret'],
      ['PATCH', { callbacks: { messageRoute: { url: 'ftp://example.com/' } } }, 'callbacks.messageRoute.url'],
      ['PATCH', { push: { apns: { teamId: 't', keyId: 'k', bundleId: 'b', privateKey: 'not a key' } } }, 'push.apns.privateKey'],
      ['PATCH', { rateLimits: { 'no-slash': 1 } }, 'rateLimits'],
      ['PATCH', 'null', 'body'],
    ];
    for (const [method, body, names] of refusals) {
      const res = await admin(method, `/apps/${appKey}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code, JSON.stringify(body)).toBe(1002);
      expect(String(res.body.errorMessage), JSON.stringify(body)).toContain(names);
    }
    expect((await admin('GET', `/apps/${appKey}`)).body.app).toEqual(before);
    expect((await getToken(appKey, 'guarded-secret', 'g1')).body.code).toBe(200);

    const tooLong = 'k'.repeat(65);
    expect((await admin('PUT', `/apps/${tooLong}`, { appSecret: 'x' })).status).toBe(400);
    expect((await admin('GET', `/apps/${tooLong}`)).status).toBe(400);
    expect((await admin('GET', '/apps')).body.apps).not.toContainEqual(expect.objectContaining({ appKey: tooLong }));
  });

  it('an unknown app is 404 for GET, PATCH, DELETE and the rotation', async () => {
    const appKey = newKey('unknown');
    for (const [method, path, body] of [['GET', ''], ['PATCH', '', { features: {} }], ['DELETE', ''], ['POST', '/secret']] as const) {
      const res = await admin(method, `/apps/${appKey}${path}`, body);
      expect(res.status, method).toBe(404);
      expect(res.body.code).toBe(404);
    }
  });

  it('no secret and no admin token reach the log', async () => {
    const joined = logs.join('\n');
    expect(joined).toContain('app settings changed');
    for (const secret of [adminToken, 'created-secret', 'replaced-secret', 'patched-secret', 'before-rotation', 'guarded-secret', t.app().appSecret]) {
      expect(joined).not.toContain(secret);
    }
  });
});
