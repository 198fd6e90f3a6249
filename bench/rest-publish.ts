/**
 * REST send throughput and latency: `/message/private/publish.json` on Parley (history and
 * multiDeviceSync on, Postgres + Redis, one online receiver) against a bare Fastify route
 * answering `{"code":200}` to the same request, with the same load (autocannon, 50
 * connections). Then Parley again at half of its measured maximum rate, for the p99 a
 * server not running flat out gives.
 *
 * Parley and the bare server run pinned to core 0; the load generator (and the receiver's
 * WebSocket client) in a separate process pinned to core 1. Parley gets a fresh Postgres
 * database (dropped at the end) and Redis db 13 (flushed at start and end).
 *
 * Run: npm run bench:rest
 */
import { startParleyProcess, type ParleyProcess } from './lib/parley-process.js';
import {
  fmt,
  freshStorage,
  pct,
  withCpu,
  type CpuUse,
  getToken,
  settle,
  signHeaders,
  startLoadProcess,
  startPinnedServer,
  table,
  type BenchStorage,
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
const features = { multiDeviceSync: true, historyPrivateGroup: true };
const path = '/message/private/publish.json';

const failures: string[] = [];
let storage: BenchStorage | undefined;
let parley: ParleyProcess | undefined;
let bare: Awaited<ReturnType<typeof startPinnedServer>> | undefined;
let load: LoadProcess | undefined;

try {
  storage = await freshStorage();
  const storageEnv = storage.env;
  [parley, bare, load] = await Promise.all([
    startParleyProcess({ env: storageEnv, features, cpus: '0' }),
    startPinnedServer('a-bare-fastify.ts'),
    startLoadProcess('a-http-load.ts'),
  ]);
  const server = parley;
  const loader = load;

  await getToken(server, 'bench-sender');
  const receiverToken = await getToken(server, 'bench-receiver');
  await loader.call({ op: 'receivers', receivers: [{ wsUrl: server.wsUrl, token: receiverToken, userId: 'bench-receiver' }] });

  const body = new URLSearchParams({
    fromUserId: 'bench-sender',
    toUserId: 'bench-receiver',
    objectName: 'RC:TxtMsg',
    content: JSON.stringify({ content: 'hello from the bench, how are you today?' }),
  }).toString();
  const headers = { ...signHeaders(server), 'Content-Type': 'application/x-www-form-urlencoded' };
  const run = (url: string, durationSec: number, overallRate?: number) =>
    loader.call<HttpRunResult>({
      op: 'http',
      urls: [url],
      path,
      headers,
      bodies: [body],
      connections,
      durationSec,
      ...(overallRate !== undefined && { overallRate }),
    });

  const bareUrl = `http://127.0.0.1:${bare.port}`;
  const parleyRuns: HttpRunResult[] = [];
  const check = (label: string, r: HttpRunResult) => {
    if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.ok === 0) {
      failures.push(`${label}: ${r.ok} 2xx, ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodes)}, ${r.errors} errors, ${r.timeouts} timeouts`);
    }
    return r;
  };

  const measured = async (label: string, pid: number, url: string, rate?: number) => {
    const { result, cpu } = await withCpu({ server: pid, load: loader.pid }, () => run(url, measureSec, rate));
    return { r: check(label, result), cpu };
  };
  const bareProcess = bare.child.pid!;
  const parleyProcess = server.child.pid!;

  check('bare warm-up', await run(bareUrl, warmupSec));
  const bareMax = await measured('bare fastify', bareProcess, bareUrl);
  parleyRuns.push(check('parley warm-up', await run(server.url, warmupSec)));
  const parleyMax = await measured('parley', parleyProcess, server.url);
  parleyRuns.push(parleyMax.r);
  const halfRate = Math.max(1, Math.round(parleyMax.r.requestsPerSecond / 2));
  const parleyHalf = await measured('parley half load', parleyProcess, server.url, halfRate);
  parleyRuns.push(parleyHalf.r);

  // Every 200 answer is one inbox entry for the receiver, pushed to its open socket. A
  // request in flight when a run stops (at most one per connection) is delivered too,
  // but autocannon has dropped its connection and counts no answer.
  const sent = parleyRuns.reduce((sum, r) => sum + r.ok, 0);
  const inFlightAtStop = connections * parleyRuns.length;
  let counts: ReceiverCounts = { total: 0, counts: [], open: 0, events: [] };
  const received = await settle(async () => {
    counts = await loader.call<ReceiverCounts>({ op: 'count' });
    return counts.total;
  }, sent);
  if (received < sent || received > sent + inFlightAtStop) {
    failures.push(`the receiver got ${received} messages for ${sent} answers 200 (+ at most ${inFlightAtStop} cut off in flight); open: ${counts.open === 1}`);
  }
  if (counts.events.length > 0) failures.push(counts.events.join(', '));

  const ratio = parleyMax.r.requestsPerSecond / bareMax.r.requestsPerSecond;
  const row = (label: string, rate: string, { r, cpu }: { r: HttpRunResult; cpu: CpuUse }, vs: string) => [
    label,
    rate,
    fmt(r.requestsPerSecond),
    fmt(r.p50, 1),
    fmt(r.p99, 1),
    fmt(r.ok),
    fmt(r.non2xx + r.errors + r.timeouts),
    pct(cpu.processes.server),
    pct(cpu.processes.load),
    pct(cpu.other),
    vs,
  ];
  const lines = [
    `rest-publish: POST ${path}, ${connections} connections, ${measureSec} s per case after ${warmupSec} s warm-up`,
    `  parley: multiDeviceSync + historyPrivateGroup, Postgres (fresh db ${storage.databaseName}) + Redis (${storage.redisUrl}), 1 online receiver; server on core 0, load on core 1`,
    ...table(
      ['case', 'offered', 'req/s', 'p50 ms', 'p99 ms', '2xx', 'failed', 'server cpu', 'load cpu', 'other cpu', 'vs bare'],
      [
        row('bare fastify', 'max', bareMax, '1.00x'),
        row('parley', 'max', parleyMax, `${fmt(ratio, 2)}x`),
        row('parley half load', `${fmt(halfRate)}/s`, parleyHalf, `${fmt(parleyHalf.r.requestsPerSecond / bareMax.r.requestsPerSecond, 2)}x`),
      ],
    ),
    `receiver: ${fmt(received)} messages for ${fmt(sent)} answers 200 (warm-up included; up to ${inFlightAtStop} more may be cut off in flight when a run stops)`,
    `ratio (parley / bare fastify req/s, same run): ${fmt(ratio, 2)}  (target >= 0.33)`,
    `p99 at half of parley's max (${fmt(halfRate)} req/s): ${fmt(parleyHalf.r.p99, 1)} ms  (target <= 10 ms)`,
    '  cpu: % of one core while measuring; "other" is the rest of the machine (Postgres, Redis, anything else running), which is not pinned.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
} catch (err) {
  failures.push(describeError(err));
} finally {
  await load?.stop();
  await stopParley(parley, failures);
  await bare?.stop();
  await storage?.release();
}

reportFailures(failures);
