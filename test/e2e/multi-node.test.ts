import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startParleyProcess, type ParleyProcess } from '../../bench/lib/parley-process.js';
import { ParleyClient } from '../../src/client/node.js';
import type { ClientMessage, SyncedFrame } from '../../src/client/protocol.js';
import { startRedisCluster, type LocalRedisCluster } from '../helpers/redis-cluster.js';
import { freshStorage, onRedisCluster, storageMode, type TestStorage } from '../helpers/storage.js';

/**
 * Real Parley processes on one Postgres and one Redis (docs/architecture.md "Many nodes"):
 * cross-node delivery and kicks, kill -9 without losing what was acknowledged, and a
 * graceful shutdown that drops nothing. Needs the services, so it runs in that project,
 * and again on a Redis Cluster (project services-cluster), where a master also fails over.
 */
const appKey = 'multinode';
const appSecret = 'multinode-secret';
let storage: TestStorage;
/** On the cluster, one of this file's own: its failover would disturb the files sharing the run's. */
let cluster: LocalRedisCluster | undefined;
const nodes: ParleyProcess[] = [];

async function node(name: string): Promise<ParleyProcess> {
  const started = await startParleyProcess({
    appKey,
    appSecret,
    features: { multiDeviceSync: true },
    env: { DATABASE_URL: storage.databaseUrl!, ...(cluster ? { REDIS_CLUSTER_NODES: cluster.nodes } : { REDIS_URL: storage.redisUrl! }), NODE_ID: `${name}-${process.pid}` },
  });
  nodes.push(started);
  return started;
}

function post(target: ParleyProcess, path: string, body: Record<string, string | string[]>) {
  const nonce = String(Math.random()).slice(2, 10);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
  return fetch(target.url + path, {
    method: 'POST',
    headers: {
      'App-Key': appKey,
      Nonce: nonce,
      Timestamp: timestamp,
      Signature: createHash('sha1').update(appSecret + nonce + timestamp).digest('hex'),
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: params.toString(),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
}

async function device(on: ParleyProcess, userId: string, options: { deviceId?: string; lastSeq?: number; epoch?: string } = {}) {
  const token = String((await post(on, '/user/getToken.json', { userId, name: userId })).body.token);
  const messages: ClientMessage[] = [];
  const client = new ParleyClient({ url: on.wsUrl, token, deviceId: options.deviceId ?? `${userId}-phone`, platform: 'ios', reconnect: false, lastSeq: options.lastSeq, epoch: options.epoch });
  client.on('message', (m) => messages.push(m));
  const synced = new Promise<SyncedFrame>((resolve) => client.once('synced', resolve));
  await client.connect();
  return { client, messages, synced: await synced };
}

const text = (s: string) => JSON.stringify({ content: s });

describe.runIf(storageMode === 'services')('many nodes', () => {
  let a: ParleyProcess;
  let b: ParleyProcess;

  beforeAll(async () => {
    [storage, cluster] = await Promise.all([freshStorage(), onRedisCluster ? startRedisCluster() : undefined]);
    [a, b] = await Promise.all([node('a'), node('b')]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await cluster?.close();
    await storage.release();
  });

  it('delivers a message sent through one node to a device on another, and shows it online everywhere', async () => {
    const onB = await device(b, 'cross-receiver');
    const res = await post(a, '/message/private/publish.json', { fromUserId: 'x', toUserId: 'cross-receiver', objectName: 'RC:TxtMsg', content: text('across') });
    expect(res.body.code).toBe(200);
    await expect.poll(() => onB.messages.map((m) => m.content)).toEqual([text('across')]);
    expect((await post(a, '/user/checkOnline.json', { userId: 'cross-receiver' })).body.status).toBe('1');
    await onB.client.close();
  });

  it('kicks across nodes: an ios login on one node ends the ios session on the other', async () => {
    const first = await device(a, 'cross-kick', { deviceId: 'phone-1' });
    const kicked = new Promise((resolve) => first.client.once('kicked', resolve));
    const second = await device(b, 'cross-kick', { deviceId: 'phone-2' });
    expect(await kicked).toBe('same-platform-login');
    expect(second.client.isOpen).toBe(true);
    await second.client.close();
  });

  it('a node killed with SIGKILL loses nothing it acknowledged; its device reconnects elsewhere gapless, and its presence expires', async () => {
    const doomed = await node('doomed');
    const first = await device(doomed, 'survivor');
    await device(doomed, 'ghost');
    const acknowledged: string[] = [];
    for (let i = 0; i < 120; i++) {
      const target = i < 60 ? doomed : a;
      if (i === 60) await doomed.stop('SIGKILL');
      const res = await post(target, '/message/private/publish.json', { fromUserId: 'x', toUserId: 'survivor', objectName: 'RC:TxtMsg', content: text(String(i)) }).catch(() => undefined);
      if (res?.body.code === 200) acknowledged.push(String(i));
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(100);
    const again = await device(b, 'survivor', { lastSeq: first.client.lastSeq, epoch: first.client.epoch });
    const received = [...first.messages, ...again.messages];
    const bodies = received.map((m) => (JSON.parse(m.content) as { content: string }).content);
    expect(bodies).toEqual(acknowledged);
    const seqs = received.map((m) => m.seq!);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    await expect.poll(async () => (await post(a, '/user/checkOnline.json', { userId: 'ghost' })).body.status, { timeout: 15_000, interval: 500 }).toBe('0');
    await again.client.close();
  }, 60_000);

  // Not again on the cluster (the suite's time is short): its Redis side, dropping the node, is in the presence contract, which runs there.
  it.skipIf(onRedisCluster)('a graceful shutdown (SIGTERM) drops nothing: devices are told to reconnect and catch up elsewhere', async () => {
    const leaving = await node('leaving');
    const first = await device(leaving, 'calm');
    const closed = new Promise<number>((resolve) => first.client.once('close', (code) => resolve(code)));
    const acknowledged: string[] = [];
    const sending = (async () => {
      for (let i = 0; i < 80; i++) {
        const res = await post(i % 2 ? leaving : a, '/message/private/publish.json', { fromUserId: 'x', toUserId: 'calm', objectName: 'RC:TxtMsg', content: text(String(i)) }).catch(() => undefined);
        if (res?.body.code === 200) acknowledged.push(String(i));
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    const exit = await leaving.stop('SIGTERM');
    await sending;
    expect(exit).toBe(0);
    expect(await closed).toBe(4003);
    const again = await device(b, 'calm', { lastSeq: first.client.lastSeq, epoch: first.client.epoch });
    const bodies = [...first.messages, ...again.messages].map((m) => (JSON.parse(m.content) as { content: string }).content);
    expect(bodies).toEqual(acknowledged);
    await again.client.close();
  }, 60_000);

  it.runIf(onRedisCluster)('a Redis master failing over mid-traffic (SIGKILL, its replica promoted) loses nothing acknowledged', async () => {
    const user = 'failover';
    const first = await device(b, user);
    const acknowledged: string[] = [];
    let failedOver = false;
    let failover: Promise<unknown> | undefined;
    // Sends one after another through both nodes: 20 before the kill, then until the replica took over, then 20 more.
    for (let i = 0, after = 0; after < 20; i++) {
      if (i === 20) failover = cluster!.killMasterOf(`parley:inbox:{${appKey}:${user}}`).then(() => (failedOver = true));
      const res = await post(i % 2 ? a : b, '/message/private/publish.json', { fromUserId: 'x', toUserId: user, objectName: 'RC:TxtMsg', content: text(String(i)) }).catch(() => undefined);
      if (res?.body.code === 200) acknowledged.push(String(i));
      if (failedOver) after++;
    }
    await failover;
    expect(acknowledged.length).toBeGreaterThanOrEqual(35);
    const again = await device(a, user, { lastSeq: first.client.lastSeq, epoch: first.client.epoch });
    // The second device gets what follows the first one's contiguous watermark, some of it again: one body per seq.
    const bySeq = new Map([...first.messages, ...again.messages].map((m) => [m.seq!, (JSON.parse(m.content) as { content: string }).content]));
    const bodies = [...bySeq.values()];
    // Appends wait for the replica (WAIT): the promoted one has every acknowledged entry, so no epoch gap either.
    expect(again.synced.gap).toBeUndefined();
    expect(acknowledged.filter((body) => !bodies.includes(body))).toEqual([]);
    // No message appended twice (a resent script finds its first run's entry).
    expect(new Set(bodies).size).toBe(bodies.length);
    await again.client.close();
  }, 90_000);
});
