/**
 * One-to-one relay, 100 pairs, closed loop: in each pair device A sends to device B, one
 * message in flight per pair. Parley (default features, Postgres + Redis: an inbox entry
 * per message, B acks as a device does) against a bare `ws` server that forwards each A's
 * frames to its B untouched, and against ejabberd relaying the same shape over XMPP
 * (Debian's package, installed if missing; the case is skipped with a line if it cannot be).
 * Parley is measured twice: devices speaking its own protocol, and devices speaking
 * RongCloud's client protocol (SDK-shaped frames: send, notice, pull).
 *
 * Servers run pinned to core 0; every device in one load process pinned to core 1.
 *
 * Run: npm run bench:relay
 */
import { cpuCells, cpuNote, getToken, reportFailures, table, withCpu, type CpuUse } from './lib/a-common.js';
import type { RelayResult } from './lib/a-ws-load.js';
import { ensureEjabberd, startEjabberd, type Ejabberd } from './lib/ejabberd.js';
import { fmt, runScenario } from './lib/scenario.js';

const pairs = 100;
const window = 1;
const warmupSec = 2;
const measureSec = 8;
const targets = { raw: 0.35, ejabberd: 1.0, rongcloud: 0.8 };

const failures: string[] = [];
let ejabberd: Ejabberd | undefined;
await runScenario(failures, async (scope) => {
  const storage = await scope.storage();
  const [server, raw, loader] = await Promise.all([scope.parley({ env: storage.env }), scope.baseline('a-raw-ws-relay.ts'), scope.load('a-ws-load.ts')]);
  const users = await Promise.all(Array.from({ length: 2 * pairs }, async (_, i) => ({ userId: `bench-${i}`, token: await getToken(server, `bench-${i}`) })));
  const missing = ensureEjabberd();
  if (!missing) ejabberd = await startEjabberd('0');

  const measure = async (label: string, pid: number, command: Record<string, unknown>) => {
    const { result, cpu } = await withCpu({ server: pid, load: loader.pid }, () =>
      loader.call<RelayResult>({ op: 'relay', pairs, window, warmupSec, measureSec, ...command }),
    );
    if (result.undelivered !== 0 || result.duplicates !== 0 || result.failedSends !== 0 || result.delivered === 0) {
      failures.push(`${label}: ${result.sent} sent, ${result.okSends} answered ok, ${result.failedSends} failed, ${result.delivered} delivered, ${result.duplicates} duplicates`);
    }
    return { r: result, cpu };
  };

  const rawRun = await measure('raw ws', raw.pid, { kind: 'raw', wsUrl: raw.wsUrl });
  const xmppRun = ejabberd ? await measure('ejabberd', ejabberd.pid, { kind: 'xmpp', port: ejabberd.port }) : undefined;
  const parleyRun = await measure('parley', server.child.pid!, { kind: 'parley', wsUrl: server.wsUrl, users });
  const rongCloudUsers = await Promise.all(Array.from({ length: 2 * pairs }, async (_, i) => ({ userId: `bench-rc-${i}`, token: await getToken(server, `bench-rc-${i}`) })));
  const rongCloudRun = await measure('parley, RongCloud protocol', server.child.pid!, {
    kind: 'rongcloud',
    baseWsUrl: server.url.replace(/^http/, 'ws'),
    appKey: server.appKey,
    users: rongCloudUsers,
  });

  const versus = (run: { r: RelayResult }) => parleyRun.r.deliveredPerSecond / run.r.deliveredPerSecond;
  const row = (label: string, { r, cpu }: { r: RelayResult; cpu: CpuUse }) => [
    label,
    fmt(r.deliveredPerSecond),
    fmt(r.p50, 1),
    fmt(r.p99, 1),
    fmt(r.sent),
    fmt(r.delivered),
    fmt(r.failedSends + r.undelivered + r.duplicates),
    ...cpuCells(cpu),
  ];
  const verdict = (ratio: number, target: number) => `${fmt(ratio, 2)}  (target >= ${fmt(target, 2)}: ${ratio >= target ? 'met' : 'missed'})`;
  const lines = [
    `ws-relay: ${pairs} pairs, device A -> device B one-to-one, ${window} in flight per pair (closed loop), ${measureSec} s per case after ${warmupSec} s warm-up`,
    `  parley: default features, Postgres (fresh db ${storage.databaseName}) + Redis (${storage.redisUrl}); servers on core 0, every device in the load process on core 1`,
    ...table(
      ['case', 'msgs/s', 'p50 ms', 'p99 ms', 'sent', 'delivered', 'failed', 'server cpu', 'load cpu', 'other cpu'],
      [row('raw ws relay', rawRun), ...(xmppRun ? [row('ejabberd (XMPP)', xmppRun)] : []), row('parley', parleyRun), row('parley, RongCloud protocol', rongCloudRun)],
    ),
    `ratio parley / raw ws (msgs/s, same run): ${verdict(versus(rawRun), targets.raw)}`,
    xmppRun ? `ratio parley / ejabberd (msgs/s, same run): ${verdict(versus(xmppRun), targets.ejabberd)}` : `ejabberd case skipped: ${missing}`,
    `ratio RongCloud protocol / Parley protocol (msgs/s, same run): ${verdict(rongCloudRun.r.deliveredPerSecond / parleyRun.r.deliveredPerSecond, targets.rongcloud)}`,
    '  latency: send to delivery at B, end to end; sent = delivered is checked (warm-up included), and every parley send answered ok.',
    cpuNote,
    '',
  ];
  process.stdout.write(lines.join('\n'));
});
await ejabberd?.stop();

reportFailures(failures);
