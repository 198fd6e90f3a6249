import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startParleyProcess, type ParleyProcess } from '../../bench/lib/parley-process.js';
import { dataDirLockStaleMs } from '../../src/store/sql.pglite.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { postTo } from '../helpers/process-api.js';
import { freshStorage, type TestStorage } from '../helpers/storage.js';

/**
 * A Parley process killed with SIGKILL while it owes routing callbacks: the next process on
 * the same storage posts every one of them, in order per conversation (docs/callbacks.md "Guarantees").
 */
const receiver = new CallbackReceiver();
const dataDir = mkdtempSync(join(tmpdir(), 'parley-callbacks-'));
const running: ParleyProcess[] = [];
let storage: TestStorage | undefined;

afterAll(async () => {
  for (const node of running) await node.stop('SIGKILL');
  await receiver.down();
  await storage?.release();
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('callbacks across SIGKILL', () => {
  it('loses none of the callbacks a killed node owed', async () => {
    storage = await freshStorage();
    await receiver.up();
    // A slow receiver: most callbacks are still owed when the node is killed.
    receiver.answer = () => sleep(150).then(() => 200);
    const appKey = `cbkill${randomBytes(4).toString('hex')}`;
    const appSecret = randomBytes(12).toString('hex');
    const env = {
      ...(storage.databaseUrl ? { DATABASE_URL: storage.databaseUrl, REDIS_URL: storage.redisUrl! } : { DATA_DIR: dataDir }),
      // A 1 s POST timeout (the receiver answers in 150 ms) keeps the killed node's delivery lease short (4 timeouts + 10 s).
      IM_APPS: JSON.stringify([{ appKey, appSecret, callbacks: { messageRoute: { url: receiver.url, includeServerApi: true }, timeoutMs: 1_000 } }]),
    };
    const first = await startParleyProcess({ appKey, appSecret, env });
    running.push(first);

    const sent = new Map<string, string[]>();
    for (let i = 0; i < 10; i++) {
      for (const to of ['kb', 'kc', 'kd']) {
        const res = await postTo(first, '/message/private/publish.json', { fromUserId: 'ka', toUserId: to, objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `${to} ${i}` }) });
        expect(res.body.code).toBe(200);
        const uid = (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
        sent.set(to, [...(sent.get(to) ?? []), uid]);
      }
    }
    await first.stop('SIGKILL');
    expect(receiver.accepted.length).toBeLessThan(30);

    // The embedded folder's lock, or the killed node's delivery lease, runs out first.
    await sleep(storage.databaseUrl ? 0 : dataDirLockStaleMs + 1_000);
    receiver.answer = () => 200;
    const second = await startParleyProcess({ appKey, appSecret, env });
    running.push(second);
    const everyUid = [...sent.values()].flat();
    const deadline = Date.now() + 60_000;
    while (!everyUid.every((uid) => receiver.accepted.some((r) => r.form.msgUID === uid))) {
      if (Date.now() > deadline) throw new Error(`missing callbacks: ${everyUid.filter((uid) => !receiver.accepted.some((r) => r.form.msgUID === uid)).join(', ')}`);
      await sleep(200);
    }
    for (const [to, uids] of sent) {
      const seen = [...new Set(receiver.accepted.filter((r) => r.form.toUserId === to).map((r) => r.form.msgUID))];
      expect(seen, to).toEqual(uids);
    }
    await second.stop();
  }, 120_000);
});
