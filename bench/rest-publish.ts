/**
 * REST send throughput and latency: `/message/private/publish.json` on Parley (history and
 * multiDeviceSync on, Postgres + Redis, one online receiver) against a bare Fastify route
 * answering `{"code":200}` to the same request, with the same load (autocannon, 50
 * connections); the same send through Nexconn's v4 API (`/v4/direct-channel/message/send`,
 * JSON) against v1 in the same run. Then Parley again at half of its measured maximum rate,
 * for the p99 a server not running flat out gives.
 *
 * Parley and the bare server run pinned to core 0; the load generator (and the receiver's
 * WebSocket client) in a separate process pinned to core 1. Parley gets a fresh Postgres
 * database (dropped at the end) and Redis db 13 (flushed at start and end).
 *
 * Run: npm run bench:rest
 */
import {
  checkHttpRun,
  cpuCells,
  cpuNote,
  getToken,
  loadPublish,
  loadTencentSend,
  tencentSendOnce,
  tencentBenchApp,
  publishBody,
  publishFeatures,
  publishLoad,
  publishPath,
  reportFailures,
  v4PublishBody,
  v4PublishPath,
  settledReceiverCounts,
  table,
  withCpu,
  type CpuUse,
  type HttpRunResult,
} from './lib/a-common.js';
import { fmt, runScenario } from './lib/scenario.js';

const { connections, warmupSec, measureSec } = publishLoad;

const failures: string[] = [];
await runScenario(failures, async (scope) => {
  const storage = await scope.storage();
  const [server, bare, loader] = await Promise.all([
    scope.parley({ env: storage.env, features: publishFeatures, tencent: tencentBenchApp }),
    scope.baseline('a-bare-fastify.ts'),
    scope.load('a-http-load.ts'),
  ]);

  await getToken(server, 'bench-sender');
  const receiverToken = await getToken(server, 'bench-receiver');
  await loader.call({ op: 'receivers', receivers: [{ wsUrl: server.wsUrl, token: receiverToken, userId: 'bench-receiver' }] });

  const body = publishBody('bench-sender', 'bench-receiver');
  const v4Body = v4PublishBody('bench-sender', 'bench-receiver');
  const run = (url: string, durationSec: number, overallRate?: number) =>
    loadPublish(loader, server, { urls: [url], bodies: [body], connections, durationSec, overallRate });
  const runV4 = (durationSec: number) => loadPublish(loader, server, { urls: [server.url], bodies: [v4Body], connections, durationSec, jsonPath: v4PublishPath });

  const parleyRuns: HttpRunResult[] = [];
  const check = (label: string, r: HttpRunResult) => checkHttpRun(failures, label, r);

  const measured = async (label: string, pid: number, url: string, rate?: number) => {
    const { result, cpu } = await withCpu({ server: pid, load: loader.pid }, () => run(url, measureSec, rate));
    return { r: check(label, result), cpu };
  };
  const parleyProcess = server.child.pid!;

  check('bare warm-up', await run(bare.url, warmupSec));
  const bareMax = await measured('bare fastify', bare.pid, bare.url);
  parleyRuns.push(check('parley warm-up', await run(server.url, warmupSec)));
  const parleyMax = await measured('parley', parleyProcess, server.url);
  parleyRuns.push(parleyMax.r);
  parleyRuns.push(check('parley v4 warm-up', await runV4(warmupSec)));
  const v4Max = await withCpu({ server: parleyProcess, load: loader.pid }, () => runV4(measureSec)).then(({ result, cpu }) => ({ r: check('parley v4', result), cpu }));
  parleyRuns.push(v4Max.r);
  const halfRate = Math.max(1, Math.round(parleyMax.r.requestsPerSecond / 2));
  const parleyHalf = await measured('parley half load', parleyProcess, server.url, halfRate);
  parleyRuns.push(parleyHalf.r);

  // The same message through Tencent IM's openim/sendmsg (docs/tencent-im.md), the same run.
  const probe = await tencentSendOnce(server.url, 'bench-sender', 'bench-receiver');
  if (probe.ActionStatus !== 'OK') failures.push(`openim/sendmsg refused: ${JSON.stringify(probe)}`);
  const probesSent = probe.ActionStatus === 'OK' ? 1 : 0;
  const tencent = (durationSec: number) => loadTencentSend(loader, 'bench-sender', 'bench-receiver', { urls: [server.url], connections, durationSec });
  parleyRuns.push(check('tencent warm-up', await tencent(warmupSec)));
  const tencentMax = await withCpu({ server: parleyProcess, load: loader.pid }, () => tencent(measureSec)).then(({ result, cpu }) => ({ r: check('tencent sendmsg', result), cpu }));
  parleyRuns.push(tencentMax.r);

  // Every 200 answer is one inbox entry for the receiver, pushed to its open socket. A
  // request in flight when a run stops (at most one per connection) is delivered too,
  // but autocannon has dropped its connection and counts no answer.
  const sent = parleyRuns.reduce((sum, r) => sum + r.ok, probesSent);
  const inFlightAtStop = connections * parleyRuns.length;
  const counts = await settledReceiverCounts(loader, sent);
  const received = counts.total;
  if (received < sent || received > sent + inFlightAtStop) {
    failures.push(`the receiver got ${received} messages for ${sent} answers 200 (+ at most ${inFlightAtStop} cut off in flight); open: ${counts.open === 1}`);
  }
  if (counts.events.length > 0) failures.push(counts.events.join(', '));

  const ratio = parleyMax.r.requestsPerSecond / bareMax.r.requestsPerSecond;
  const v4Ratio = v4Max.r.requestsPerSecond / parleyMax.r.requestsPerSecond;
  const row = (label: string, rate: string, { r, cpu }: { r: HttpRunResult; cpu: CpuUse }, vs: string) => [
    label,
    rate,
    fmt(r.requestsPerSecond),
    fmt(r.p50, 1),
    fmt(r.p99, 1),
    fmt(r.ok),
    fmt(r.non2xx + r.errors + r.timeouts),
    ...cpuCells(cpu),
    vs,
  ];
  const lines = [
    `rest-publish: POST ${publishPath}, ${connections} connections, ${measureSec} s per case after ${warmupSec} s warm-up`,
    `  parley: multiDeviceSync + historyPrivateGroup, Postgres (fresh db ${storage.databaseName}) + Redis (${storage.redisUrl}), 1 online receiver; server on core 0, load on core 1`,
    ...table(
      ['case', 'offered', 'req/s', 'p50 ms', 'p99 ms', '2xx', 'failed', 'server cpu', 'load cpu', 'other cpu', 'vs bare'],
      [
        row('bare fastify', 'max', bareMax, '1.00x'),
        row('parley', 'max', parleyMax, `${fmt(ratio, 2)}x`),
        row('parley v4 (Nexconn)', 'max', v4Max, `${fmt(v4Max.r.requestsPerSecond / bareMax.r.requestsPerSecond, 2)}x`),
        row('parley half load', `${fmt(halfRate)}/s`, parleyHalf, `${fmt(parleyHalf.r.requestsPerSecond / bareMax.r.requestsPerSecond, 2)}x`),
        row('tencent openim/sendmsg', 'max', tencentMax, `${fmt(tencentMax.r.requestsPerSecond / bareMax.r.requestsPerSecond, 2)}x`),
      ],
    ),
    `receiver: ${fmt(received)} messages for ${fmt(sent)} answers 200 (warm-up included; up to ${inFlightAtStop} more may be cut off in flight when a run stops)`,
    `ratio (parley / bare fastify req/s, same run): ${fmt(ratio, 2)}  (target >= 0.33)`,
    `ratio (parley v4 ${v4PublishPath} / v1 ${publishPath} req/s, same run): ${fmt(v4Ratio, 2)}  (target >= 0.9)`,
    `tencent openim/sendmsg / v1 publish req/s, same run: ${fmt(tencentMax.r.requestsPerSecond / parleyMax.r.requestsPerSecond, 2)}  (target >= 0.9)`,
    `p99 at half of parley's max (${fmt(halfRate)} req/s): ${fmt(parleyHalf.r.p99, 1)} ms  (target <= 10 ms)`,
    cpuNote,
    '',
  ];
  process.stdout.write(lines.join('\n'));
});

reportFailures(failures);
