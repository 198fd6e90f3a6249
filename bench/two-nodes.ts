/**
 * Two Parley nodes (NODE_ID a and b) on one Postgres and one Redis against one node:
 * REST `/message/private/publish.json` throughput (multiDeviceSync + history, as in
 * rest-publish) with the load spread over both nodes' HTTP ports and the receivers
 * connected half to each node, so about half of the sends are delivered across nodes
 * (Redis pub/sub). The one-node case sends the same load to node a only, with its
 * receivers all on node a. A third case runs the two-node load on two more nodes (c and d)
 * on a local Redis Cluster (three masters, one replica each, appends waiting for a
 * replica; test/helpers/redis-cluster.ts) instead of the one Redis, same database.
 *
 * Both nodes run pinned to core 0, the load generator (and the receivers) in a separate
 * process pinned to core 1: on a 2-core machine the two nodes share the core one node had,
 * so the ratio measures what spreading costs, not how far it scales. A fresh Postgres
 * database (dropped at the end) and Redis db 13 (flushed at start and end).
 *
 * Run: npm run bench:nodes
 */
import { randomBytes } from 'node:crypto';
import {
  checkHttpRun,
  cpuCells,
  cpuNote,
  getToken,
  loadPublish,
  publishBody,
  publishFeatures,
  publishLoad,
  publishPath,
  reportFailures,
  settledReceiverCounts,
  table,
  withCpu,
  type CpuUse,
  type HttpRunResult,
} from './lib/a-common.js';
import type { ParleyProcess } from './lib/parley-process.js';
import { fmt, runScenario } from './lib/scenario.js';
import { startRedisCluster } from '../test/helpers/redis-cluster.js';

const { connections, warmupSec, measureSec } = publishLoad;
/** Receivers per case: the first half on node a, the second half on node b (two-node case). */
const receiverCount = 8;

const failures: string[] = [];
await runScenario(failures, async (scope) => {
  const storage = await scope.storage();
  const app = { appKey: `bench${randomBytes(4).toString('hex')}`, appSecret: randomBytes(12).toString('hex') };
  // One after the other: the first one creates the schema.
  const a = await scope.parley({ ...app, env: { ...storage.env, NODE_ID: 'a' }, features: publishFeatures });
  const [b, loader] = await Promise.all([
    scope.parley({ ...app, env: { ...storage.env, NODE_ID: 'b' }, features: publishFeatures }),
    scope.load('a-http-load.ts'),
  ]);

  /**
   * One case on nodes `first` and `second`: `receiverCount` fresh receivers (`onB(k)`:
   * receiver k connects to the second), connection i posts to `urls[i % urls.length]`
   * (autocannon's spread) for receiver i % receiverCount.
   */
  const runCase = async (label: string, [first, second]: [ParleyProcess, ParleyProcess], urls: string[], onB: (k: number) => boolean) => {
    const users = Array.from({ length: receiverCount }, (_, k) => `${label}-r${k}`);
    const receivers = await Promise.all(
      users.map(async (userId, k) => ({ userId, token: await getToken(first, userId), wsUrl: (onB(k) ? second : first).wsUrl })),
    );
    await Promise.all(users.map((userId, k) => getToken(first, `${label}-s${k}`)));
    await loader.call({ op: 'receivers', receivers });
    const bodies = users.map((userId, k) => publishBody(`${label}-s${k}`, userId));
    const run = (durationSec: number) => loadPublish(loader, first, { urls, bodies, connections, durationSec });
    const warm = checkHttpRun(failures, `${label} warm-up`, await run(warmupSec));
    const { result, cpu } = await withCpu({ a: first.child.pid!, b: second.child.pid!, load: loader.pid }, () => run(measureSec));
    checkHttpRun(failures, label, result);
    // A request in flight when a run stops (one per connection at most) is delivered without a counted answer.
    const sent = warm.ok + result.ok;
    const inFlightAtStop = 2 * connections;
    const counts = await settledReceiverCounts(loader, sent);
    const received = counts.total;
    if (received < sent || received > sent + inFlightAtStop) {
      failures.push(
        `${label}: receivers got ${received} messages (${counts.counts.join(' + ')}) for ${sent} answers 200 (+ at most ${inFlightAtStop} cut off in flight); ${counts.open} of ${receiverCount} open`,
      );
    }
    if (counts.events.length > 0) failures.push(`${label}: ${counts.events.join(', ')}`);
    await loader.call({ op: 'closeReceivers' });
    let crossing = 0;
    for (let i = 0; i < connections; i++) if ((urls[i % urls.length] === second.url) !== onB(i % receiverCount)) crossing++;
    return { r: result, cpu, sent, received, crossShare: crossing / connections };
  };

  const one = await runCase('one', [a, b], [a.url], () => false);
  const two = await runCase('two', [a, b], [a.url, b.url], (k) => k >= receiverCount / 2);
  // Nodes a and b leave before the cluster case: they would share core 0 with c and d.
  await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]);
  const cluster = await startRedisCluster();
  let onCluster: Awaited<ReturnType<typeof runCase>>;
  try {
    const clusterEnv = { DATABASE_URL: storage.env.DATABASE_URL!, REDIS_CLUSTER_NODES: cluster.nodes };
    const [c, d] = await Promise.all(['c', 'd'].map((id) => scope.parley({ ...app, env: { ...clusterEnv, NODE_ID: id }, features: publishFeatures })));
    onCluster = await runCase('cluster', [c!, d!], [c!.url, d!.url], (k) => k >= receiverCount / 2);
    await Promise.all([c!.stop('SIGTERM'), d!.stop('SIGTERM')]);
  } finally {
    await cluster.close();
  }

  const ratio = two.r.requestsPerSecond / one.r.requestsPerSecond;
  const clusterRatio = onCluster.r.requestsPerSecond / two.r.requestsPerSecond;
  const row = (label: string, c: { r: HttpRunResult; cpu: CpuUse; crossShare: number }, vs: string) => [
    label,
    `${Math.round(c.crossShare * 100)}%`,
    fmt(c.r.requestsPerSecond),
    fmt(c.r.p50, 1),
    fmt(c.r.p99, 1),
    fmt(c.r.ok),
    fmt(c.r.non2xx + c.r.errors + c.r.timeouts),
    ...cpuCells(c.cpu),
    vs,
  ];
  const lines = [
    `two-nodes: POST ${publishPath}, ${connections} connections, ${receiverCount} receivers, ${measureSec} s per case after ${warmupSec} s warm-up`,
    `  multiDeviceSync + historyPrivateGroup, one Postgres (fresh db ${storage.databaseName}) + Redis (${storage.redisUrl}); both nodes on core 0, load and receivers on core 1`,
    ...table(
      ['case', 'cross-node', 'req/s', 'p50 ms', 'p99 ms', '2xx', 'failed', 'node a cpu', 'node b cpu', 'load cpu', 'other cpu', 'vs one'],
      [
        row('one node (a)', one, '1.00x'),
        row('two nodes (a+b)', two, `${fmt(ratio, 2)}x`),
        row('two nodes (c+d), Redis Cluster', onCluster, `${fmt(onCluster.r.requestsPerSecond / one.r.requestsPerSecond, 2)}x`),
      ],
    ),
    `receivers: one node ${fmt(one.received)} messages for ${fmt(one.sent)} answers 200, two nodes ${fmt(two.received)} for ${fmt(two.sent)}, on the cluster ${fmt(onCluster.received)} for ${fmt(onCluster.sent)} (warm-up included)`,
    `ratio (two nodes / one node req/s, same run): ${fmt(ratio, 2)}`,
    `ratio (two nodes on a Redis Cluster / two nodes on one Redis, same run): ${fmt(clusterRatio, 2)}`,
    '  the cluster: six redis-server processes (3 masters + 3 replicas, unpinned) on this same machine; each append waits for a replica (WAIT).',
    '  bounded: on this machine both nodes share core 0 (the load has core 1), so two nodes cannot do more than one;',
    '  the ratio shows what spreading over nodes costs (cross-node delivery over Redis pub/sub, two processes on one core),',
    '  not scale-out. On separate machines each node brings its own CPU.',
    cpuNote,
    '',
  ];
  process.stdout.write(lines.join('\n'));
});

reportFailures(failures);
