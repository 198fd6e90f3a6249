import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackReceiver, signatureIsValid } from '../helpers/callback-receiver.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

/** The online-status callback (docs/callbacks.md "Online status"): batched, debounced, signed JSON arrays. */
const receiver = new CallbackReceiver();
let t: TestServer;
let app: TestApp;

interface StatusEvent {
  userid: string;
  status: string;
  os: string;
  time: number;
  clientIp: string;
  sessionId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const reported = () => receiver.accepted.flatMap((r) => r.json as StatusEvent[]);
const of = (userId: string) => reported().filter((e) => e.userid === userId);

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not reported: ${JSON.stringify(reported())}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  await receiver.up();
  t = await startServer({ apps: [{ callbacks: { onlineStatus: { url: receiver.url } } }] });
  app = t.app();
});

afterAll(async () => {
  await t.close();
  await receiver.down();
});

describe('online-status callback', () => {
  it('reports a device online and, three seconds after it left, offline, in signed JSON arrays', async () => {
    const device = await t.device(app, 'os-ann', { platform: 'android' });
    await until(() => of('os-ann').length === 1);
    const [online] = of('os-ann');
    expect(online).toEqual({ userid: 'os-ann', status: '0', os: 'Android', time: expect.any(Number), clientIp: '127.0.0.1', sessionId: expect.any(String) });
    const request = receiver.accepted.find((r) => (r.json as StatusEvent[]).includes(online!))!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/Parley/);
    expect(signatureIsValid(request, app.appSecret)).toBe(true);

    const closedAt = Date.now();
    await device.close();
    await until(() => of('os-ann').length === 2);
    const offlineRequest = receiver.accepted.find((r) => (r.json as StatusEvent[]).some((e) => e.userid === 'os-ann' && e.status === '1'))!;
    expect(offlineRequest.at - closedAt).toBeGreaterThanOrEqual(2_900);
    expect(of('os-ann')[1]).toMatchObject({ status: '1', os: 'Android', sessionId: online!.sessionId });
  }, 30_000);

  it('reports a user who logs out on a device as logged out ("2"), not offline', async () => {
    const device = await t.device(app, 'os-out', { platform: 'web' });
    await until(() => of('os-out').length === 1);
    await device.logout();
    await until(() => of('os-out').length === 2);
    expect(of('os-out').map((e) => [e.status, e.os])).toEqual([
      ['0', 'Websocket'],
      ['2', 'Websocket'],
    ]);
  }, 30_000);

  it('reports nothing for a device that reconnects within three seconds', async () => {
    const first = await t.device(app, 'os-bo', { platform: 'ios' });
    await until(() => of('os-bo').length === 1);
    await first.close();
    await sleep(1_000);
    const again = await t.device(app, 'os-bo', { platform: 'ios' });
    await sleep(4_500);
    expect(of('os-bo').map((e) => e.status)).toEqual(['0']);
    await again.close();
  }, 30_000);

  it('sends at most one POST a second, with at most 100 events each', async () => {
    const before = receiver.received.length;
    const users = Array.from({ length: 130 }, (_, i) => `os-many-${i}`);
    for (let i = 0; i < users.length; i += 26) await Promise.all(users.slice(i, i + 26).map((userId) => t.device(app, userId)));
    await until(() => users.every((userId) => of(userId).length === 1), 40_000);
    const posts = receiver.received.slice(before);
    expect(posts.length).toBeGreaterThanOrEqual(2);
    for (const post of posts) expect((post.json as StatusEvent[]).length).toBeLessThanOrEqual(100);
    // Spaced by when the server sent them (signTimestamp), not by when this busy process read them.
    const sentAt = posts.map((p) => Number(p.query.get('signTimestamp'))).sort((a, b) => a - b);
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(1_000);
    // Events were written in order; each batch is a slice of them.
    expect(new Set(posts.flatMap((p) => (p.json as StatusEvent[]).map((e) => e.sessionId))).size).toBe(posts.flatMap((p) => p.json as StatusEvent[]).length);
  }, 60_000);

  it('lists status events in the pull feed with their delivery state', async () => {
    const res = await app.post('/events/pull.json', { after: 0, limit: 1000 });
    const events = res.body.events as Array<{ kind: string; data: StatusEvent; delivery: { state: string } }>;
    const ann = events.filter((e) => e.data.userid === 'os-ann');
    expect(ann.map((e) => [e.kind, e.delivery.state])).toEqual([
      ['user.online', 'delivered'],
      ['user.offline', 'delivered'],
    ]);
  });
});
