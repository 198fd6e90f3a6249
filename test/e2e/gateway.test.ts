import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../src/client/node.js';
import type { Platform } from '../../src/model/platform.js';
import { openRaw } from '../helpers/raw-socket.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

let t: TestServer;
let plain: TestApp;
let multi: TestApp;
let other: TestApp;

beforeAll(async () => {
  t = await startServer({
    apps: [{}, { features: { multiDeviceSync: true, multiMobile: true } }, {}],
    // A heartbeat of a second: shorter, a busy machine's late pong drops sockets the other tests use.
    gateway: { handshakeTimeoutMs: 300, heartbeatMs: 1_000 },
  });
  [plain, multi, other] = [t.app(0), t.app(1), t.app(2)];
});
afterAll(() => t.close());

async function tokenOf(app: TestApp, userId: string): Promise<string> {
  return String((await app.post('/user/getToken.json', { userId, name: userId })).body.token);
}

function client(token: string, deviceId: string, platform: Platform, appKey?: string) {
  return new ParleyClient({ url: t.wsUrl, token, deviceId, platform, reconnect: false, ...(appKey && { appKey }) });
}

describe('handshake', () => {
  it('closes with 4000 when no connect arrives in time', async () => {
    const raw = await openRaw(t.wsUrl);
    expect((await raw.closed).code).toBe(4000);
  });

  it('answers a bad token with ok:false then closes with 4001', async () => {
    const raw = await openRaw(t.wsUrl);
    raw.send({ op: 'connect', id: 1, token: 'garbage', deviceId: 'd', platform: 'ios' });
    const result = await raw.next((f) => f.op === 'result');
    expect(result).toMatchObject({ id: 1, ok: false, code: 31004 });
    expect((await raw.closed).code).toBe(4001);
  });

  it('refuses a token of another app when the device names its app', async () => {
    const token = await tokenOf(other, 'stranger');
    await expect(client(token, 'd', 'ios', plain.appKey).connect()).rejects.toMatchObject({ code: 31004 });
    const forged = token.split('.')[0] + '.' + (await tokenOf(plain, 'stranger')).split('.')[1];
    await expect(client(forged, 'd', 'ios').connect()).rejects.toMatchObject({ code: 31004 });
  });

  it.each([
    ['no token', { token: undefined }],
    ['an unknown platform', { platform: 'toaster' }],
    ['a negative lastSeq', { lastSeq: -1 }],
    ['an empty deviceId', { deviceId: '' }],
  ])('answers a connect with %s with 1002 and opens no session', async (_label, change) => {
    const raw = await openRaw(t.wsUrl);
    raw.send({ op: 'connect', id: 9, token: await tokenOf(plain, 'badconn'), deviceId: 'b1', platform: 'ios', ...change });
    expect(await raw.next((f) => f.id === 9)).toMatchObject({ ok: false, code: 1002 });
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    expect((await plain.post('/user/checkOnline.json', { userId: 'badconn' })).body.status).toBe('0');
    raw.ws.close();
  });

  it('answers connect with userId, sessionId, seq and epoch, then synced', async () => {
    const raw = await openRaw(t.wsUrl);
    raw.send({ op: 'connect', id: 'c1', token: await tokenOf(plain, 'hank'), deviceId: 'h1', platform: 'web', lastSeq: 0 });
    const result = await raw.next((f) => f.op === 'result');
    expect(result).toMatchObject({ id: 'c1', ok: true, data: { userId: 'hank', seq: expect.any(Number), epoch: expect.any(String) } });
    await raw.next((f) => f.op === 'synced');
    raw.ws.close();
  });
});

describe('requests', () => {
  it('answers ping, keeps the socket open on a malformed frame (1002), and refuses requests before connect', async () => {
    const raw = await openRaw(t.wsUrl);
    raw.send({ op: 'ping', id: 1 });
    expect(await raw.next((f) => f.id === 1)).toMatchObject({ ok: false, code: 33001 });
    raw.send({ op: 'connect', id: 2, token: await tokenOf(plain, 'ivy'), deviceId: 'i1', platform: 'desktop' });
    expect(await raw.next((f) => f.id === 2)).toMatchObject({ ok: true });
    raw.send('{not json');
    expect(await raw.next((f) => f.op === 'result' && f.id === null)).toMatchObject({ ok: false, code: 1002 });
    raw.send({ op: 'no-such-op', id: 3 });
    expect(await raw.next((f) => f.id === 3)).toMatchObject({ ok: false, code: 1002 });
    raw.send({ op: 'ping', id: 4 });
    expect(await raw.next((f) => f.id === 4)).toEqual({ op: 'result', id: 4, ok: true, data: {} });
    raw.send({ op: 'connect', id: 5, token: 'x', deviceId: 'i1', platform: 'desktop' });
    expect(await raw.next((f) => f.id === 5)).toMatchObject({ ok: false, code: 1002 });
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    raw.ws.close();
  });
});

describe('session policy (ARCHITECTURE "Sessions")', () => {
  it('a second ios login of a user kicks the first with a kicked frame and close 4002', async () => {
    const token = await tokenOf(plain, 'jay');
    const first = client(token, 'phone-1', 'ios');
    await first.connect();
    const kicked = new Promise((resolve) => first.once('kicked', resolve));
    const closed = new Promise((resolve) => first.once('close', (code) => resolve(code)));
    const second = client(token, 'phone-2', 'ios');
    await second.connect();
    expect(await kicked).toBe('same-platform-login');
    expect(await closed).toBe(4002);
    expect(second.isOpen).toBe(true);
    await second.close();
  });

  it('two ios logins at the same instant leave exactly one session (the newest)', async () => {
    const token = await tokenOf(plain, 'race');
    const devices = Array.from({ length: 4 }, (_, i) => client(token, `race-${i}`, 'ios'));
    // An older one may be kicked before its own handshake even finished.
    await Promise.allSettled(devices.map((d) => d.connect()));
    // Kicks cross the node bus: on a loaded machine they may take longer than the poll's default second.
    await expect.poll(() => devices.filter((d) => d.isOpen).length, { timeout: 5_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(devices.filter((d) => d.isOpen)).toHaveLength(1);
    expect((await t.deps.presence.list(plain.appKey, 'race')).length).toBe(1);
    await Promise.all(devices.map((d) => d.close()));
  });

  it('android kicks ios (same mobile class); desktop and web do not', async () => {
    const token = await tokenOf(plain, 'kim');
    const ios = client(token, 'k-ios', 'ios');
    await ios.connect();
    const kicked = new Promise((resolve) => ios.once('kicked', resolve));
    const android = client(token, 'k-android', 'android');
    await android.connect();
    expect(await kicked).toBe('same-platform-login');
    const desktop = client(token, 'k-desktop', 'desktop');
    const web = client(token, 'k-web', 'web');
    await desktop.connect();
    await web.connect();
    await new Promise((r) => setTimeout(r, 50));
    expect([android.isOpen, desktop.isOpen, web.isOpen]).toEqual([true, true, true]);
    await Promise.all([android.close(), desktop.close(), web.close()]);
  });

  it('multiMobile keeps several mobile sessions', async () => {
    const token = await tokenOf(multi, 'lea');
    const a = client(token, 'l1', 'ios');
    const b = client(token, 'l2', 'android');
    await a.connect();
    await b.connect();
    await new Promise((r) => setTimeout(r, 50));
    expect([a.isOpen, b.isOpen]).toEqual([true, true]);
    await Promise.all([a.close(), b.close()]);
  });

  it('with multiDeviceSync the 11th web session evicts the first (web-limit)', async () => {
    const token = await tokenOf(multi, 'max');
    const sessions: ParleyClient[] = [];
    for (let i = 0; i < 10; i++) {
      const c = client(token, `w${i}`, 'web');
      await c.connect();
      sessions.push(c);
    }
    const kicked = new Promise((resolve) => sessions[0]!.once('kicked', resolve));
    const eleventh = client(token, 'w10', 'web');
    await eleventh.connect();
    expect(await kicked).toBe('web-limit');
    await new Promise((r) => setTimeout(r, 50));
    expect(sessions.slice(1).every((c) => c.isOpen)).toBe(true);
    await Promise.all([...sessions, eleventh].map((c) => c.close()));
  });

  it('without multiDeviceSync a second web session evicts the first', async () => {
    const token = await tokenOf(plain, 'ned');
    const first = client(token, 'n1', 'web');
    await first.connect();
    const kicked = new Promise((resolve) => first.once('kicked', resolve));
    const second = client(token, 'n2', 'web');
    await second.connect();
    expect(await kicked).toBe('web-limit');
    await second.close();
  });
});

describe('heartbeat', () => {
  it('drops a socket that stops answering pings, and its user goes offline', async () => {
    const raw = await openRaw(t.wsUrl, { autoPong: false });
    raw.send({ op: 'connect', id: 1, token: await tokenOf(plain, 'otto'), deviceId: 'o1', platform: 'ios' });
    await raw.next((f) => f.id === 1);
    expect((await plain.post('/user/checkOnline.json', { userId: 'otto' })).body.status).toBe('1');
    expect((await raw.closed).code).toBe(1006);
    await expect.poll(async () => (await plain.post('/user/checkOnline.json', { userId: 'otto' })).body.status).toBe('0');
  });

  it('keeps a socket that answers pings', async () => {
    const device = await t.device(plain, 'pia');
    await new Promise((r) => setTimeout(r, 2_500)); // two probes and more
    expect(device.isOpen).toBe(true);
  });
});
