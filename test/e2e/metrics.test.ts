import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { connectDevice } from '../helpers/device.js';
import { FakeApns } from '../helpers/fake-apns.js';
import { pushKeys } from '../helpers/fake-push.js';
import { storageMode } from '../helpers/storage.js';
import { startServer, type TestServer } from '../helpers/server.js';

const token = 'scrape-token-0123456789';
const keys = pushKeys();
const apnsCredentials = { teamId: 'TEAMMETRIC', keyId: 'KEYMETRIC1', bundleId: 'im.parley.metrics' };
let t: TestServer;
let apns: FakeApns;
let receiver: CallbackReceiver;
beforeAll(async () => {
  apns = await new FakeApns({ ...apnsCredentials, publicKey: keys.apnsPublicKey }).start();
  receiver = await new CallbackReceiver().up();
  t = await startServer({
    metricsToken: token,
    apps: [
      {
        push: { apns: { ...apnsCredentials, privateKey: keys.apnsPrivateKey, production: false, endpoint: apns.url } },
        callbacks: { messageRoute: { url: receiver.url, includeServerApi: true } },
      },
    ],
  });
});
afterAll(async () => {
  await t.close();
  await Promise.all([apns.close(), receiver.down()]);
});

const scrape = async () => {
  const response = await fetch(`${t.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
};

/** The value of one sample (`name{labels} value`), 0 when absent. */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number => {
  const line = text.split('\n').find((l) => l.startsWith(name) && !l.startsWith('#') && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};

describe('GET /metrics', () => {
  it('refuses a scrape without the configured token, or with another', async () => {
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/metrics`, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
  });

  it('counts what the core commits, sessions, catch-ups and store latency as traffic flows', async () => {
    const appKey = t.app().appKey;
    const before = await scrape();
    expect(before).toMatch(/^parley_event_loop_lag_seconds\{quantile="0\.99"\} [\d.e-]+$/m);
    // Each scrape reads the lag since the previous one, without the sampling interval (20 ms):
    // a process that idled meanwhile has next to none.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sample(await scrape(), 'parley_event_loop_lag_seconds', { quantile: '0.5' })).toBeLessThan(0.01);
    expect(sample(before, 'parley_memory_bytes', { kind: 'rss' })).toBeGreaterThan(10_000_000);

    for (const n of [1, 2]) {
      const sent = await t.app().post('/message/private/publish.json', { fromUserId: 'm-a', toUserId: 'm-b', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `hi ${n}` }) });
      expect(sent.body.code).toBe(200);
    }
    const device = await connectDevice(t, t.app(), 'm-b');
    await device.received(2);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(moved('parley_messages_committed_total', { app: appKey, kind: 'private', origin: 'api' })).toBe(2);
    expect(moved('parley_deliveries_total', { app: appKey, kind: 'private' })).toBe(2);
    expect(moved('parley_inbox_appends_total', { app: appKey })).toBe(2);
    expect(moved('parley_sessions', { app: appKey })).toBe(1);
    expect(moved('parley_catch_up_messages_sum')).toBe(2);
    expect(moved('parley_catch_up_messages_count')).toBe(1);
    expect(moved('parley_postgres_query_seconds_count', { outcome: 'ok' })).toBeGreaterThan(0);
    if (storageMode === 'services') expect(moved('parley_redis_command_seconds_count', { command: 'evalsha', outcome: 'ok' })).toBeGreaterThan(0);
    // The device's connect in; its connect result, two messages and the end of its catch-up out.
    expect(moved('parley_ws_frames_total', { protocol: 'parley', direction: 'in' })).toBeGreaterThanOrEqual(1);
    expect(moved('parley_ws_frames_total', { protocol: 'parley', direction: 'out' })).toBeGreaterThanOrEqual(4);

    await device.close();
    await expect.poll(async () => sample(await scrape(), 'parley_sessions', { app: appKey }), { timeout: 5_000 }).toBe(sample(before, 'parley_sessions', { app: appKey }));
  });

  it('counts pushes and callbacks by outcome', async () => {
    const appKey = t.app().appKey;
    const phone = await connectDevice(t, t.app(), 'm-phone', { deviceId: 'm-phone-1' });
    const deviceToken = randomBytes(32).toString('hex');
    await phone.client.registerPush('apns', deviceToken);
    await phone.close();
    await expect.poll(async () => (await t.deps.presence.list(appKey, 'm-phone')).length, { timeout: 5_000 }).toBe(0);
    const before = await scrape();
    receiver.answer = () => 500;
    const sent = await t.app().post('/message/private/publish.json', { fromUserId: 'm-a', toUserId: 'm-phone', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'pushed' }) });
    expect(sent.body.code).toBe(200);
    await expect.poll(() => apns.delivered.filter((p) => p.token === deviceToken).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => receiver.received.filter((r) => r.status === 500).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    receiver.answer = () => 200;
    await expect.poll(() => receiver.accepted.filter((r) => r.form.toUserId === 'm-phone').length, { timeout: 10_000 }).toBe(1);

    await expect.poll(async () => {
      const after = await scrape();
      const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
      return [
        moved('parley_pushes_total', { app: appKey, provider: 'apns', outcome: 'sent' }),
        moved('parley_callbacks_total', { app: appKey, callback: 'messageRoute', outcome: 'retry' }) >= 1,
        moved('parley_callbacks_total', { app: appKey, callback: 'messageRoute', outcome: 'delivered' }),
      ];
    }, { timeout: 5_000 }).toEqual([1, true, 1]);
  });
});
