/**
 * Two Parley nodes (NODE_ID a and b) on one Postgres and one Redis against one node:
 * REST `/message/private/publish.json` throughput (multiDeviceSync + history, as in
 * rest-publish) with the load spread over both nodes' HTTP ports and the receivers
 * connected half to each node, so about half of the sends are delivered across nodes
 * (Redis pub/sub). The one-node case sends the same load to node a only, with its
 * receivers all on node a.
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
import { fmt, runScenario } from './lib/scenario.js';

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
   * One case: `receiverCount` fresh receivers (`onB(k)`: receiver k connects to node b),
   * connection i posts to `urls[i % urls.length]` (autocannon's spread) for receiver i % receiverCount.
   */
  const runCase = async (label: string, urls: string[], onB: (k: number) => boolean) => {
    const users = Array.from({ length: receiverCount }, (_, k) => `${label}-r${k}`);
    const receivers = await Promise.all(
      users.map(async (userId, k) => ({ userId, token: await getToken(a, userId), wsUrl: (onB(k) ? b : a).wsUrl })),
    );
    await Promise.all(users.map((userId, k) => getToken(a, `${label}-s${k}`)));
    await loader.call({ op: 'receivers', receivers });
    const bodies = users.map((userId, k) => publishBody(`${label}-s${k}`, userId));
    const run = (durationSec: number) => loadPublish(loader, a, { urls, bodies, connections, durationSec });
    const warm = checkHttpRun(failures, `${label} warm-up`, await run(warmupSec));
    const { result, cpu } = await withCpu({ a: a.child.pid!, b: b.child.pid!, load: loader.pid }, () => run(measureSec));
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
    for (let i = 0; i < connections; i++) if ((urls[i % urls.length] === b.url) !== onB(i % receiverCount)) crossing++;
    return { r: result, cpu, sent, received, crossShare: crossing / connections };
  };

  const one = await runCase('one', [a.url], () => false);
  const two = await runCase('two', [a.url, b.url], (k) => k >= receiverCount / 2);

  const ratio = two.r.requestsPerSecond / one.r.requestsPerSecond;
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
      [row('one node (a)', one, '1.00x'), row('two nodes (a+b)', two, `${fmt(ratio, 2)}x`)],
    ),
    `receivers: one node ${fmt(one.received)} messages for ${fmt(one.sent)} answers 200, two nodes ${fmt(two.received)} for ${fmt(two.sent)} (warm-up included)`,
    `ratio (two nodes / one node req/s, same run): ${fmt(ratio, 2)}`,
    '  bounded: on this machine both nodes share core 0 (the load has core 1), so two nodes cannot do more than one;',
    '  the ratio shows what spreading over nodes costs (cross-node delivery over Redis pub/sub, two processes on one core),',
    '  not scale-out. On separate machines each node brings its own CPU.',
    cpuNote,
    '',
  ];
  process.stdout.write(lines.join('\n'));
});

reportFailures(failures);
