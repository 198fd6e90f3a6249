/**
 * The relay through each server-API dialect: ws-relay's closed loop (100 pairs, one message
 * in flight per pair) with the app backend as A. Each message is one REST send from A to
 * B's connected device (a ParleyClient that acks as a device does) — v1
 * `/message/private/publish.json`, Nexconn v4 `/v4/direct-channel/message/send` and Tencent
 * IM `openim/sendmsg` (docs/nexconn-v4.md, docs/tencent-im.md), no sender echo, kept-alive
 * HTTP — so each dialect is held to v1's REST relay in the same run (ws-relay's cases are
 * device to device and have no REST leg to compare with). After one unreported warm-up pass
 * of each (the first case after the server starts ran on a cold process), the three
 * alternate over three rounds (v1, v4, Tencent, v1, …) so that a shared machine's drift
 * falls on all of them, and each is reported by its median round.
 *
 * Parley (default features, Postgres + Redis) runs pinned to core 0; the senders and every
 * device in one load process pinned to core 1.
 *
 * Run: npm run bench:dialect-relay
 */
import { cpuCells, cpuNote, getToken, reportFailures, table, tencentBenchApp, tencentSendPath, withCpu } from './lib/a-common.js';
import type { RelayResult, RestRelay } from './lib/a-ws-load.js';
import { fmt, runScenario } from './lib/scenario.js';

const pairs = 100;
const window = 1;
const warmupSec = 2;
const measureSec = 5;
const rounds = 3;
const target = 0.9;

const dialects = [
  { dialect: 'v1', label: 'v1 REST -> device' },
  { dialect: 'v4', label: 'Nexconn v4 REST -> device' },
  { dialect: 'tencent', label: 'Tencent IM REST -> device' },
] as const;

const failures: string[] = [];
await runScenario(failures, async (scope) => {
  const storage = await scope.storage();
  const [server, loader] = await Promise.all([scope.parley({ env: storage.env, tencent: tencentBenchApp }), scope.load('a-ws-load.ts')]);

  const relay = async (dialect: RestRelay['dialect'], label: string, round: number, seconds: number) => {
    // Fresh users per case: no receiver's inbox holds another case's messages.
    const users = await Promise.all(Array.from({ length: 2 * pairs }, async (_, i) => ({ userId: `bench-${dialect}${round}-${i}`, token: await getToken(server, `bench-${dialect}${round}-${i}`) })));
    const rest: RestRelay = { dialect, url: server.url, appKey: server.appKey, appSecret: server.appSecret, ...(dialect === 'tencent' && { tencentPath: tencentSendPath() }) };
    const { result: r, cpu } = await withCpu({ server: server.child.pid!, load: loader.pid }, () =>
      loader.call<RelayResult>({ op: 'relay', kind: 'rest', pairs, window, warmupSec, measureSec: seconds, wsUrl: server.wsUrl, users, rest }),
    );
    if (r.undelivered !== 0 || r.duplicates !== 0 || r.failedSends !== 0 || r.delivered === 0) {
      failures.push(`${label}, round ${round}: ${r.sent} sent, ${r.okSends} answered ok, ${r.failedSends} failed, ${r.delivered} delivered, ${r.duplicates} duplicates`);
    }
    return { dialect, label: `${label} (round ${round})`, r, cpu };
  };
  for (const { dialect, label } of dialects) await relay(dialect, label, 0, 1);
  const runs: Array<Awaited<ReturnType<typeof relay>>> = [];
  for (let round = 1; round <= rounds; round++) {
    for (const { dialect, label } of dialects) runs.push(await relay(dialect, label, round, measureSec));
  }

  const medianRate = (dialect: RestRelay['dialect']) => {
    const rates = runs.filter((c) => c.dialect === dialect).map((c) => c.r.deliveredPerSecond).sort((a, b) => a - b);
    return rates[Math.floor(rates.length / 2)]!;
  };
  const verdict = (ratio: number) => `${fmt(ratio, 2)}  (target >= ${fmt(target, 2)}: ${ratio >= target ? 'met' : 'missed'})`;
  const lines = [
    `dialect-relay: ${pairs} pairs, app backend A -> device B by a server-API send, ${window} in flight per pair (closed loop), ${measureSec} s per case after ${warmupSec} s warm-up, ${rounds} rounds after a warm-up pass`,
    `  parley: default features, Postgres (fresh db ${storage.databaseName}) + Redis (${storage.redisUrl}); server on core 0, senders and devices in the load process on core 1`,
    ...table(
      ['case', 'msgs/s', 'p50 ms', 'p99 ms', 'sent', 'delivered', 'failed', 'server cpu', 'load cpu', 'other cpu'],
      runs.map(({ label, r, cpu }) => [label, fmt(r.deliveredPerSecond), fmt(r.p50, 1), fmt(r.p99, 1), fmt(r.sent), fmt(r.delivered), fmt(r.failedSends + r.undelivered + r.duplicates), ...cpuCells(cpu)]),
    ),
    `ratio Nexconn v4 / v1 REST relay (median msgs/s of the rounds, same run): ${verdict(medianRate('v4') / medianRate('v1'))}`,
    `ratio Tencent IM / v1 REST relay (median msgs/s of the rounds, same run): ${verdict(medianRate('tencent') / medianRate('v1'))}`,
    '  latency: REST send to delivery at B, end to end; sent = delivered is checked (warm-up included), and every send answered as a success in its dialect.',
    cpuNote,
    '',
  ];
  process.stdout.write(lines.join('\n'));
});

reportFailures(failures);
