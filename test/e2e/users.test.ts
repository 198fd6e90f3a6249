import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../src/client/node.js';
import { startServer, type TestServer } from '../helpers/server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

describe('users (docs/server-api.md "Users")', () => {
  it('registers a user, issues a token, and reads the profile back', async () => {
    const res = await t.app().post('/user/getToken.json', { userId: 'ann', name: 'Ann', portraitUri: 'http://p/ann.png' });
    expect(res.body).toMatchObject({ code: 200, userId: 'ann' });
    expect(typeof res.body.token).toBe('string');
    expect(Buffer.byteLength(String(res.body.token))).toBeLessThanOrEqual(256);
    const info = await t.app().post('/user/info.json', { userId: 'ann' });
    expect(info.body).toMatchObject({ code: 200, userName: 'Ann', userPortrait: 'http://p/ann.png' });
    expect(info.body.createTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('refresh changes only the given fields', async () => {
    await t.app().post('/user/getToken.json', { userId: 'bob', name: 'Bob', portraitUri: 'p1' });
    expect((await t.app().post('/user/refresh.json', { userId: 'bob', name: 'Robert' })).body.code).toBe(200);
    const info = await t.app().post('/user/info.json', { userId: 'bob' });
    expect(info.body).toMatchObject({ userName: 'Robert', userPortrait: 'p1' });
  });

  it('refuses a missing or 65-byte userId with 400/1002 and writes nothing', async () => {
    const missing = await t.app().post('/user/getToken.json', { name: 'x' });
    expect([missing.status, missing.body.code]).toEqual([400, 1002]);
    expect(String(missing.body.errorMessage)).toContain('userId');
    const long = 'u'.repeat(65);
    const tooLong = await t.app().post('/user/getToken.json', { userId: long, name: 'x' });
    expect([tooLong.status, tooLong.body.code]).toEqual([400, 1002]);
    const row = await t.deps.sql.query('SELECT 1 FROM users WHERE user_id = $1', [long]);
    expect(row.rows).toHaveLength(0);
    expect((await t.app().post('/user/getToken.json', { userId: 'u'.repeat(64), name: 'x' })).body.code).toBe(200);
  });

  it('refuses bad input on every user endpoint with 1002', async () => {
    for (const path of ['/user/refresh.json', '/user/info.json', '/user/checkOnline.json', '/user/token/expire.json']) {
      const res = await t.app().post(path, {});
      expect([path, res.status, res.body.code]).toEqual([path, 400, 1002]);
    }
    const badTime = await t.app().post('/user/token/expire.json', { userId: 'ann', time: 'soon' });
    expect(badTime.body.code).toBe(1002);
    const unknown = await t.app().post('/user/refresh.json', { userId: 'ghost', name: 'G' });
    expect(unknown.body.code).toBe(1002);
    expect((await t.app().post('/user/info.json', { userId: 'ghost' })).body.code).toBe(1002);
  });

  it('reports online status as the string "1" or "0"', async () => {
    expect((await t.app().post('/user/checkOnline.json', { userId: 'carl' })).body).toEqual({ code: 200, status: '0' });
    const device = await t.device(t.app(), 'carl');
    expect((await t.app().post('/user/checkOnline.json', { userId: 'carl' })).body).toEqual({ code: 200, status: '1' });
    await device.close();
    await expect.poll(async () => (await t.app().post('/user/checkOnline.json', { userId: 'carl' })).body.status).toBe('0');
  });

  it('token/expire refuses older tokens, kicks their sessions with token-revoked, and keeps newer tokens working', async () => {
    const device = await t.device(t.app(), 'dora');
    const kicked = new Promise((resolve) => device.once('kicked', resolve));
    const closed = new Promise((resolve) => device.once('close', (code) => resolve(code)));
    const oldToken = (await t.app().post('/user/getToken.json', { userId: 'dora', name: 'D' })).body.token as string;
    await new Promise((r) => setTimeout(r, 5));
    expect((await t.app().post('/user/token/expire.json', { userId: 'dora', time: Date.now() })).body.code).toBe(200);
    expect(await kicked).toBe('token-revoked');
    expect(await closed).toBe(4002);

    const stale = new ParleyClient({ url: t.wsUrl, token: oldToken, deviceId: 'd2', platform: 'android', reconnect: false });
    await expect(stale.connect()).rejects.toMatchObject({ code: 31004 });

    const fresh = await t.device(t.app(), 'dora', { deviceId: 'd3' });
    expect(fresh.isOpen).toBe(true);
  });
});
