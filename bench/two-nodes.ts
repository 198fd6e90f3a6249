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
import { startParleyProcess, type ParleyProcess } from './lib/parley-process.js';
import {
  fmt,
  freshStorage,
  getToken,
  pct,
  settle,
  signHeaders,
  startLoadProcess,
  table,
  withCpu,
  type BenchStorage,
  type CpuUse,
  type HttpRunResult,
  type LoadProcess,
  type ReceiverCounts,
  describeError,
  reportFailures,
  stopParley,
} from './lib/a-common.js';

const connections = 50;
const warmupSec = 2;
const measureSec = 8;
/** Receivers per case: the first half on node a, the second half on node b (two-node case). */
const receiverCount = 8;
const features = { multiDeviceSync: true, historyPrivateGroup: true };
const path = '/message/private/publish.json';

const failures: string[] = [];
let storage: BenchStorage | undefined;
const nodes: ParleyProcess[] = [];
let load: LoadProcess | undefined;

try {
  storage = await freshStorage();
  const app = { appKey: `bench${randomBytes(4).toString('hex')}`, appSecret: randomBytes(12).toString('hex') };
  // One after the other: the first one creates the schema.
  nodes.push(await startParleyProcess({ ...app, env: { ...storage.env, NODE_ID: 'a' }, features, cpus: '0' }));
  const [nodeB, loader] = await Promise.all([
    startParleyProcess({ ...app, env: { ...storage.env, NODE_ID: 'b' }, features, cpus: '0' }),
    startLoadProcess('a-http-load.ts'),
  ]);
  nodes.push(nodeB);
  load = loader;
  const [a, b] = nodes as [ParleyProcess, ParleyProcess];
  const headers = { ...signHeaders(a), 'Content-Type': 'application/x-www-form-urlencoded' };

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
    const bodies = users.map((userId, k) =>
      new URLSearchParams({
        fromUserId: `${label}-s${k}`,
        toUserId: userId,
        objectName: 'RC:TxtMsg',
        content: JSON.stringify({ content: 'hello from the bench, how are you today?' }),
      }).toString(),
    );
    const run = (durationSec: number) => loader.call<HttpRunResult>({ op: 'http', urls, path, headers, bodies, connections, durationSec });
    const check = (name: string, r: HttpRunResult) => {
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.ok === 0) {
        failures.push(`${name}: ${r.ok} 2xx, ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodes)}, ${r.errors} errors, ${r.timeouts} timeouts`);
      }
      return r;
    };
    const warm = check(`${label} warm-up`, await run(warmupSec));
    const { result, cpu } = await withCpu({ a: a.child.pid!, b: b.child.pid!, load: loader.pid }, () => run(measureSec));
    check(label, result);
    // A request in flight when a run stops (one per connection at most) is delivered without a counted answer.
    const sent = warm.ok + result.ok;
    const inFlightAtStop = 2 * connections;
    let counts: ReceiverCounts = { total: 0, counts: [], open: 0, events: [] };
    const received = await settle(async () => {
      counts = await loader.call<ReceiverCounts>({ op: 'count' });
      return counts.total;
    }, sent);
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
    pct(c.cpu.processes.a),
    pct(c.cpu.processes.b),
    pct(c.cpu.processes.load),
    pct(c.cpu.other),
    vs,
  ];
  const lines = [
    `two-nodes: POST ${path}, ${connections} connections, ${receiverCount} receivers, ${measureSec} s per case after ${warmupSec} s warm-up`,
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
    '  cpu: % of one core while measuring; "other" is the rest of the machine (Postgres, Redis, anything else running), which is not pinned.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
} catch (err) {
  failures.push(describeError(err));
} finally {
  await load?.stop();
  for (const node of nodes) await stopParley(node, failures);
  await storage?.release();
}

reportFailures(failures);
