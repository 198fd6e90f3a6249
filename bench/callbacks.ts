/**
 * REST send throughput with post-send routing (docs/callbacks.md): the rest-publish load
 * (`/message/private/publish.json`, history and multiDeviceSync on, Postgres + Redis) on
 * Parley without callbacks, with routing to an app backend that answers 200 at once, and
 * with routing to one that never answers (`includeServerApi`: these are server-API sends). Routing writes one callback row with each message
 * and posts it after the answer; a backend that hangs must not slow sends down.
 *
 * Each case runs on its own Parley process and fresh storage, one after the other, the case
 * without routing first and last (their mean is the reference: this machine drifts). Parley
 * on core 0; the load and the app backend on core 1, as a backend is another machine.
 *
 * Run: npx tsx bench/callbacks.ts
 */
import { checkHttpRun, cpuCells, cpuNote, getToken, loadPublish, publishBody, publishFeatures, reportFailures, table, withCpu, type CpuUse, type HttpRunResult } from './lib/a-common.js';
import { fmt, runScenario, sleep } from './lib/scenario.js';

const connections = 50;
const warmupSec = 2;
const measureSec = 6;
/** How long the backend answering 200 may take to have every callback of a case. */
const drainMs = 30_000;

interface Case {
  label: string;
  callbacks?: Record<string, unknown>;
}

interface Measured {
  label: string;
  r: HttpRunResult;
  cpu: CpuUse;
  /** Callbacks the backend took by the end of the case, against the sends answered 200. */
  routed?: { got: number; sent: number };
}

const verdict = (ratio: number, target: number) => (ratio >= target ? 'met' : 'missed');

const failures: string[] = [];
await runScenario(failures, async (scope) => {
  const [backend, loader] = await Promise.all([scope.baseline('a-callback-receiver.ts', {}, 'load'), scope.load('a-http-load.ts')]);
  const counts = async () => (await (await fetch(`${backend.url}/count`)).json()) as { ok: number; hung: number };
  const cases: Case[] = [
    { label: 'routing off' },
    { label: 'routing on, backend answers 200', callbacks: { messageRoute: { url: `${backend.url}/ok`, includeServerApi: true } } },
    { label: 'routing on, backend hangs', callbacks: { messageRoute: { url: `${backend.url}/hang`, includeServerApi: true } } },
    { label: 'routing off (again)' },
  ];
  const results: Measured[] = [];
  for (const { label, callbacks } of cases) {
    const storage = await scope.storage();
    const server = await scope.parley({ env: storage.env, features: publishFeatures, ...(callbacks && { callbacks }) });
    await getToken(server, 'bench-sender');
    await getToken(server, 'bench-receiver');
    const body = publishBody('bench-sender', 'bench-receiver');
    const run = (durationSec: number) => loadPublish(loader, server, { urls: [server.url], bodies: [body], connections, durationSec });
    const before = await counts();
    const warm = checkHttpRun(failures, `${label} warm-up`, await run(warmupSec));
    const { result, cpu } = await withCpu({ server: server.child.pid!, load: loader.pid }, () => run(measureSec));
    const measured: Measured = { label, r: checkHttpRun(failures, label, result), cpu };
    if (callbacks && label.includes('200')) {
      // Every send answered 200 owes one callback (a request cut off in flight at a run's end may add one per connection).
      const sent = warm.ok + result.ok;
      const deadline = Date.now() + drainMs;
      let got = 0;
      while ((got = (await counts()).ok - before.ok) < sent && Date.now() < deadline) await sleep(200);
      measured.routed = { got, sent };
      if (got < sent) failures.push(`${label}: the backend took ${got} callbacks for ${sent} sends answered 200 within ${drainMs / 1000} s`);
    }
    results.push(measured);
    await server.stop();
  }

  const [offFirst, on, hanging, offLast] = results as [Measured, Measured, Measured, Measured];
  const off = (offFirst.r.requestsPerSecond + offLast.r.requestsPerSecond) / 2;
  const ratioOn = on.r.requestsPerSecond / off;
  const ratioHanging = hanging.r.requestsPerSecond / off;
  const row = ({ label, r, cpu, routed }: Measured) => [
    label,
    fmt(r.requestsPerSecond),
    fmt(r.p50, 1),
    fmt(r.p99, 1),
    fmt(r.ok),
    ...cpuCells(cpu),
    routed ? `${fmt(routed.got)}/${fmt(routed.sent)}` : '',
    `${fmt(r.requestsPerSecond / off, 2)}x`,
  ];
  const lines = [
    `callbacks: POST /message/private/publish.json, ${connections} connections, ${measureSec} s per case after ${warmupSec} s warm-up; each case on its own Parley and fresh Postgres + Redis`,
    ...table(['case', 'req/s', 'p50 ms', 'p99 ms', '2xx', 'server cpu', 'load+backend cpu', 'other cpu', 'routed', 'vs off'], results.map(row)),
    `  "vs off": against the mean of the two runs without routing (${fmt(off)} req/s); "routed": callbacks the backend took / sends answered 200 (warm-up included)`,
    `ratio routing on / off: ${fmt(ratioOn, 2)}  (target >= 0.80: ${verdict(ratioOn, 0.8)})`,
    `ratio backend hanging / off: ${fmt(ratioHanging, 2)}  (target >= 0.90, a hanging backend costs at most 10%: ${verdict(ratioHanging, 0.9)})`,
    cpuNote,
    '',
  ];
  process.stdout.write(lines.join('\n'));
});

reportFailures(failures);
