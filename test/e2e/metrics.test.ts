import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice } from '../helpers/device.js';
import { storageMode } from '../helpers/storage.js';
import { startServer, type TestServer } from '../helpers/server.js';

const token = 'scrape-token-0123456789';
let t: TestServer;
beforeAll(async () => {
  t = await startServer({ metricsToken: token });
});
afterAll(() => t.close());

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

    await device.close();
    await expect.poll(async () => sample(await scrape(), 'parley_sessions', { app: appKey }), { timeout: 5_000 }).toBe(sample(before, 'parley_sessions', { app: appKey }));
  });
});
