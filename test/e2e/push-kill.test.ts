import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startParleyProcess, type ParleyProcess } from '../../bench/lib/parley-process.js';
import { FakeApns } from '../helpers/fake-apns.js';
import { pushKeys } from '../helpers/fake-push.js';
import { deviceOn, postJsonTo, postTo } from '../helpers/process-api.js';
import { freshStorage, storageMode, type TestStorage } from '../helpers/storage.js';
import { dataDirLockStaleMs } from '../../src/store/sql.pglite.js';

/**
 * Owed pushes are durable (docs/push.md "Durability"): a node killed with SIGKILL while
 * APNs is unreachable loses none, nor a push to an audience it had just answered (paged in
 * the background); after its restart each is pushed, once.
 */
const keys = pushKeys();
const credentials = { teamId: 'TEAMKILL01', keyId: 'KEYKILL001', bundleId: 'im.parley.kill' };
const appKey = 'pushkill';
const appSecret = 'pushkill-secret';
let storage: TestStorage;
let dataDir: string;
let apnsPort: number;
const processes: ParleyProcess[] = [];

async function node(): Promise<ParleyProcess> {
  const push = { apns: { ...credentials, privateKey: keys.apnsPrivateKey, endpoint: `http://127.0.0.1:${apnsPort}` } };
  const started = await startParleyProcess({
    appKey,
    appSecret,
    env: {
      IM_APPS: JSON.stringify([{ appKey, appSecret, features: {}, push }]),
      ...(storageMode === 'services' ? { DATABASE_URL: storage.databaseUrl!, REDIS_URL: storage.redisUrl! } : { DATA_DIR: dataDir }),
    },
  });
  processes.push(started);
  return started;
}

beforeAll(async () => {
  storage = await freshStorage();
  dataDir = mkdtempSync(join(tmpdir(), 'parley-push-kill-'));
  apnsPort = await freePort();
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await storage.release();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pushes owed when a node is killed', () => {
  it('are sent after its restart, each once', async () => {
    const first = await node();
    const token = 'ab'.repeat(32);
    const phone = await deviceOn(first, 'kill-bob');
    await phone.client.registerPush('apns', token);
    await phone.client.close();
    await expect.poll(async () => (await postTo(first, '/user/checkOnline.json', { userId: 'kill-bob' })).body.status, { timeout: 10_000 }).toBe('0');
    for (const text of ['one', 'two', 'three']) {
      const res = await postTo(first, '/message/private/publish.json', { fromUserId: 'kill-alice', toUserId: 'kill-bob', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: text }) });
      expect(res.body.code).toBe(200);
    }
    // APNs is not listening yet: every attempt fails and the pushes stay owed.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Killed right after answering a push to an audience: its pages may not have been written
    // yet, or its job may be leased by the dead node (30 s before the restarted one takes it).
    const audience = await postJsonTo(first, '/push.json', { platform: ['ios'], audience: { userid: ['kill-bob'], is_to_all: false }, notification: { alert: 'four' } });
    expect(audience.body.code).toBe(200);
    await first.stop('SIGKILL');
    // An embedded data folder is free again once the killed process's lock went stale.
    if (storageMode === 'embedded') await new Promise((resolve) => setTimeout(resolve, dataDirLockStaleMs + 500));

    const apns = await new FakeApns({ ...credentials, publicKey: keys.apnsPublicKey }).start(apnsPort);
    try {
      await node();
      // Up to the dead node's 30 s lease of the audience job, then its pages and the pushes,
      // on a machine as busy as CI makes it (38–40 s seen there when the job was leased).
      await expect.poll(() => apns.delivered.map((p) => p.payload.aps.alert.body).sort(), { timeout: 60_000 }).toEqual(['four', 'one', 'three', 'two']);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(apns.delivered).toHaveLength(4);
    } finally {
      await apns.close();
    }
  }, 120_000);
});
