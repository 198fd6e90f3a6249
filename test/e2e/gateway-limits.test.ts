import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openRaw } from '../helpers/raw-socket.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { sharedStores, type SharedStores } from '../helpers/shared-stores.js';

/**
 * Limits on WebSocket clients (docs/reliability.md "Limits"): a session's frame rate and an
 * address's rate of new connections, counted across the nodes of a deployment; the node
 * stays healthy and serves everyone else.
 */
let stores: SharedStores;
let a: TestServer;
let b: TestServer;
const app = { appKey: 'limits-app', appSecret: 'limits-secret' };
const gateway = { frameRate: { perSecond: 20, burst: 40 }, connectionsPerMinute: 6 };
beforeAll(async () => {
  stores = await sharedStores();
  a = await startServer({ ...stores, apps: [app], gateway });
  b = await startServer({ ...stores, apps: [app], gateway: { ...gateway, trustProxy: true } });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await stores.close();
});

/** Connections are counted per minute (aligned to the clock): start a test's count early in one. */
async function earlyInAMinute(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
}

const tokenOf = async (t: TestServer, userId: string) => String((await t.app().post('/user/getToken.json', { userId, name: userId })).body.token);

describe('frame rate per session', () => {
  it('closes a session flooding frames with 4029; one within its rate is served; the node stays healthy', async () => {
    const polite = await a.device(a.app(), 'fl-polite');
    const flood = await openRaw(a.wsUrl, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    flood.send({ op: 'connect', id: 1, token: await tokenOf(a, 'fl-flood'), deviceId: 'f1', platform: 'web' });
    await flood.next((f) => f.op === 'result');
    for (let i = 0; i < 500; i++) flood.send({ op: 'ping', id: i + 2 });
    expect(await flood.closed).toEqual({ code: 4029, reason: 'too many frames' });
    // Within the burst, then within the rate: every ping answered.
    for (let i = 0; i < 30; i++) await polite.request('ping');
    expect(polite.isOpen).toBe(true);
    expect((await fetch(`${a.baseUrl}/health`)).status).toBe(200);
  });
});

describe('new connections per address', () => {
  it('refuses the connections of an address past its limit in a minute with 4029, counting every node', async () => {
    // Node b trusts a proxy: its clients' addresses come from X-Forwarded-For; node a sees loopback.
    const from = (t: TestServer, address: string) => openRaw(t.wsUrl, { headers: { 'x-forwarded-for': `198.51.100.9, ${address}` } });
    await earlyInAMinute();
    const opened = [];
    for (let i = 0; i < 6; i++) opened.push(await from(b, '192.0.2.7'));
    const refused = await from(b, '192.0.2.7');
    expect(await refused.closed).toEqual({ code: 4029, reason: 'too many new connections from this address' });
    // Another address is not held to it.
    const other = await from(b, '192.0.2.8');
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
    for (const socket of [...opened, other]) socket.ws.close();
  }, 90_000);

  it('counts an address on one node against its limit on the other', async () => {
    // Node a does not trust proxies: every test socket comes from 127.0.0.1 there, whatever the header says.
    await earlyInAMinute();
    const codes: number[] = [];
    for (let i = 0; i < 8 && !codes.includes(4029); i++) {
      const socket = await openRaw(a.wsUrl);
      codes.push(await Promise.race([socket.closed.then((c) => c.code), new Promise<number>((resolve) => setTimeout(() => resolve(0), 300))]));
      socket.ws.close();
    }
    expect(codes.at(-1)).toBe(4029);
    expect(codes.length).toBeLessThanOrEqual(7);
    const onB = await openRaw(b.wsUrl, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect((await onB.closed).code).toBe(4029);
  }, 90_000);
});
