import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../src/client/node.js';
import type { ClientMessage, SyncedFrame } from '../../src/client/protocol.js';
import { startOwnPostgres, startOwnRedis, type OwnService } from '../helpers/own-services.js';
import { signHeaders, formEncode, startServer, type TestApp, type TestServer } from '../helpers/server.js';
import { storageMode } from '../helpers/storage.js';

/**
 * Postgres and Redis of this file's own, stopped, frozen and restarted under traffic
 * (docs/reliability.md). A sender retries every send with the same Idempotency-Key until
 * it gets a 200; a receiver stays connected (reconnecting as devices do). Under every fault:
 * every acknowledged message is delivered exactly once, nothing else is, and history holds
 * exactly the acknowledged rows.
 */
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let pgServer: OwnService;
let redisServer: OwnService & { restartEmpty(): Promise<void> };
let t: TestServer;
let withHistory: TestApp;
let withoutHistory: TestApp;

beforeAll(async () => {
  if (storageMode !== 'services') return;
  [pgServer, redisServer] = await Promise.all([startOwnPostgres(), startOwnRedis({ persistent: true })]);
  t = await startServer({
    storage: { databaseUrl: pgServer.url, redisUrl: redisServer.url, redisCluster: undefined, redisNamespace: 'faults', release: async () => undefined },
    apps: [{ features: { historyPrivateGroup: true, multiDeviceSync: true } }, { features: { multiDeviceSync: true } }],
    storeTimeoutMs: 1_000,
  });
  [withHistory, withoutHistory] = [t.app(0), t.app(1)];
}, 90_000);

afterAll(async () => {
  if (storageMode !== 'services') return;
  await t?.close();
  await Promise.all([pgServer?.close(), redisServer?.close()]);
});

type Answer = { code: number; messageUIDs?: Array<{ messageUID: string }> };

/** One send, retried with its key until it is acknowledged; the answers it got on the way. */
async function sendUntilAcknowledged(app: TestApp, key: string, to: string): Promise<{ messageUID: string; refusals: number[] }> {
  const refusals: number[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(`${t.baseUrl}/message/private/publish.json`, {
      method: 'POST',
      headers: { ...signHeaders(app), 'Content-Type': 'application/x-www-form-urlencoded', 'Idempotency-Key': key },
      body: formEncode({ fromUserId: 'fault-sender', toUserId: to, objectName: 'RC:TxtMsg', content: JSON.stringify({ content: key }) }),
    }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as Answer }),
      (): { status: number; body: Answer } => ({ status: 0, body: { code: 0 } }),
    );
    if (response.status === 200) return { messageUID: response.body.messageUIDs![0]!.messageUID, refusals };
    // Never a fault of ours: a store outage is a retryable 1050 (503).
    refusals.push(response.body.code);
    if (Date.now() > deadline) throw new Error(`${key} never acknowledged: ${refusals.join(',')}`);
    await wait(150);
  }
}

interface Receiver {
  client: ParleyClient;
  messages: ClientMessage[];
  gaps: NonNullable<SyncedFrame['gap']>[];
  closeCodes: number[];
}

async function receiver(app: TestApp, userId: string): Promise<Receiver> {
  const { body } = await app.post('/user/getToken.json', { userId, name: userId });
  const client = new ParleyClient({ url: t.wsUrl, token: String(body.token), deviceId: `${userId}-phone`, platform: 'ios', reconnect: { initialDelayMs: 100, maxDelayMs: 500 } });
  const result: Receiver = { client, messages: [], gaps: [], closeCodes: [] };
  client.on('message', (m) => result.messages.push(m));
  client.on('synced', (s) => s.gap && result.gaps.push(s.gap));
  client.on('close', (code) => result.closeCodes.push(code));
  await client.connect();
  await expect.poll(() => client.isOpen).toBe(true);
  return result;
}

/**
 * Sends `count` messages, spread over the fault, each retried until acknowledged; then
 * checks what the receiver got: each acknowledged message once, nothing else.
 */
async function underFault(app: TestApp, label: string, fault: () => Promise<void>, count = 30): Promise<{ refusals: number[]; receiver: Receiver }> {
  const userId = `r-${label}`;
  const device = await receiver(app, userId);
  const sends = Array.from({ length: count }, async (_, i) => {
    await wait(i * 100);
    return sendUntilAcknowledged(app, `${label}-${i}`, userId);
  });
  await wait(800);
  await fault();
  const acknowledged = await Promise.all(sends);
  const expected = acknowledged.map((a) => a.messageUID).sort();
  const texts = () => device.messages.filter((m) => m.objectName === 'RC:TxtMsg').map((m) => m.messageUId);
  await expect.poll(() => new Set(texts()).size, { timeout: 30_000 }).toBe(count);
  await wait(300);
  // Delivered: each acknowledged message exactly once, nothing that was not acknowledged.
  expect(texts().sort()).toEqual(expected);
  expect(new Set(expected).size).toBe(count);
  await device.client.close();
  return { refusals: acknowledged.flatMap((a) => a.refusals), receiver: device };
}

async function historyRows(app: TestApp, label: string): Promise<number> {
  const { rows } = await t.deps.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE app_key = $1 AND content LIKE $2", [app.appKey, `%${label}-%`]);
  return rows[0]!.n;
}

describe.runIf(storageMode === 'services')('store faults under traffic', () => {
  it('Postgres stopped, then back: refusals are 1050 only, and every acknowledged message arrives once, with its history row', async () => {
    const { refusals } = await underFault(withHistory, 'pg-stop', async () => {
      await pgServer.stop();
      await wait(2_000);
      await pgServer.start();
    });
    expect(refusals.length).toBeGreaterThan(0);
    expect(new Set(refusals)).toEqual(new Set([1050]));
    expect(await historyRows(withHistory, 'pg-stop')).toBe(30);
  }, 120_000);

  it('Postgres frozen, then thawed: the same, and nothing waits past the store timeout', async () => {
    const { refusals } = await underFault(withHistory, 'pg-freeze', async () => {
      pgServer.freeze();
      await wait(3_000);
      pgServer.thaw();
    });
    expect(new Set(refusals)).toEqual(new Set([1050]));
    expect(await historyRows(withHistory, 'pg-freeze')).toBe(30);
  }, 120_000);

  for (const [name, app] of [
    ['with history (the SQL statement commits)', () => withHistory],
    ['without history (the inbox append commits)', () => withoutHistory],
  ] as const) {
    it(`Redis stopped, then back with its data, ${name}: every acknowledged message arrives once`, async () => {
      const label = `redis-stop-${app() === withHistory ? 'h' : 'n'}`;
      const { refusals } = await underFault(app(), label, async () => {
        await redisServer.stop();
        await wait(2_000);
        await redisServer.start();
      });
      expect(refusals.every((code) => code === 1050)).toBe(true);
      if (app() === withHistory) expect(await historyRows(withHistory, label)).toBe(30);
    }, 120_000);

    it(`Redis frozen, then thawed, ${name}: every acknowledged message arrives once`, async () => {
      const label = `redis-freeze-${app() === withHistory ? 'h' : 'n'}`;
      const { refusals } = await underFault(app(), label, async () => {
        redisServer.freeze();
        await wait(3_000);
        redisServer.thaw();
      });
      expect(refusals.every((code) => code === 1050)).toBe(true);
    }, 120_000);
  }

  it('Redis restarted empty: live devices are asked to reconnect (4009) and told of the epoch gap; every acknowledged message still arrives once', async () => {
    const { receiver: device } = await underFault(withHistory, 'redis-empty', async () => {
      await redisServer.restartEmpty();
    });
    expect(device.closeCodes).toContain(4009);
    expect(device.gaps.map((g) => g.reason)).toContain('epoch');
  }, 120_000);

  it('after Redis comes back with its data, a connected device is online again without reconnecting', async () => {
    const device = await receiver(withoutHistory, 'presence-back');
    await redisServer.stop();
    await redisServer.start();
    await expect.poll(async () => (await withoutHistory.post('/user/checkOnline.json', { userId: 'presence-back' })).body.status, { timeout: 15_000 }).toBe('1');
    expect(device.closeCodes).toEqual([]);
    await device.client.close();
  }, 60_000);
});
