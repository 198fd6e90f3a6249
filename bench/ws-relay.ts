/**
 * One-to-one relay over WebSocket: device A sends `send` frames to B, B receives them as
 * `message` frames, with at most `window` messages sent but not yet delivered. Parley
 * (default features, Postgres + Redis: an inbox entry per message, B acks as a device
 * does) against a bare `ws` server that forwards every frame of A to B untouched.
 *
 * Servers run pinned to core 0; both devices in a separate load process pinned to core 1.
 * Parley gets a fresh Postgres database (dropped at the end) and Redis db 13 (flushed at
 * start and end).
 *
 * Run: npm run bench:relay
 */
import { cpuCells, cpuNote, getToken, reportFailures, table, withCpu, type CpuUse } from './lib/a-common.js';
import type { RelayResult } from './lib/a-ws-load.js';
import { fmt, runScenario } from './lib/scenario.js';

const window = 50;
const warmupSec = 2;
const measureSec = 8;

const failures: string[] = [];
await runScenario(failures, async (scope) => {
  const storage = await scope.storage();
  const [server, raw, loader] = await Promise.all([scope.parley({ env: storage.env }), scope.baseline('a-raw-ws-relay.ts'), scope.load('a-ws-load.ts')]);
  const sender = { userId: 'bench-a', token: await getToken(server, 'bench-a') };
  const receiver = { userId: 'bench-b', token: await getToken(server, 'bench-b') };

  const measure = async (label: string, pid: number, command: Record<string, unknown>) => {
    const { result, cpu } = await withCpu({ server: pid, load: loader.pid }, () =>
      loader.call<RelayResult>({ op: 'relay', window, warmupSec, measureSec, ...command }),
    );
    if (result.undelivered !== 0 || result.duplicates !== 0 || result.failedSends !== 0 || result.delivered === 0) {
      failures.push(
        `${label}: ${result.sent} sent, ${result.okSends} answered ok, ${result.failedSends} failed, ${result.delivered} delivered, ${result.duplicates} duplicates`,
      );
    }
    return { r: result, cpu };
  };

  const rawRun = await measure('raw ws', raw.pid, { kind: 'raw', wsUrl: raw.wsUrl });
  const parleyRun = await measure('parley', server.child.pid!, { kind: 'parley', wsUrl: server.wsUrl, sender, receiver });

  const ratio = parleyRun.r.deliveredPerSecond / rawRun.r.deliveredPerSecond;
  const row = (label: string, { r, cpu }: { r: RelayResult; cpu: CpuUse }, vs: string) => [
    label,
    fmt(r.deliveredPerSecond),
    fmt(r.p50, 1),
    fmt(r.p99, 1),
    fmt(r.sent),
    fmt(r.delivered),
    fmt(r.failedSends + r.undelivered + r.duplicates),
    ...cpuCells(cpu),
    vs,
  ];
  const lines = [
    `ws-relay: device A -> device B one-to-one over WebSocket, window ${window} in flight, ${measureSec} s per case after ${warmupSec} s warm-up`,
    `  parley: default features, Postgres (fresh db ${storage.databaseName}) + Redis (${storage.redisUrl}); server on core 0, both devices in the load process on core 1`,
    ...table(
      ['case', 'msgs/s', 'p50 ms', 'p99 ms', 'sent', 'delivered', 'failed', 'server cpu', 'load cpu', 'other cpu', 'vs raw'],
      [row('raw ws relay', rawRun, '1.00x'), row('parley', parleyRun, `${fmt(ratio, 2)}x`)],
    ),
    `ratio (parley / raw ws msgs/s, same run): ${fmt(ratio, 2)}  (target >= 0.50)`,
    '  latency: send to delivery at B, end to end; sent = delivered is checked (warm-up included), and every parley send answered ok.',
    cpuNote,
    '',
  ];
  process.stdout.write(lines.join('\n'));
});

reportFailures(failures);
