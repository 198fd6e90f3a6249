/**
 * Memory per idle authenticated connection: the server process's memory increase per
 * device connected (connect + catch-up done, then nothing). Devices connect in two
 * halves of 2,000; the figure is the increase of the second half / 2,000, so memory
 * the process gives back after start-up (or grows once, for the first sessions) does not
 * count. Parley runs pinned to core 0 on Postgres + Redis (presence in Redis) and with
 * the embedded default (PGlite + in-memory presence, so presence entries are in the
 * process); the clients are plain `ws` sockets in the load process on core 1
 * (bench/lib/b-load.ts).
 *
 * Baseline: a raw `ws` server (bench/lib/b-raw-broadcast.ts) holding the same number of
 * sockets after the same connect exchange, with no per-connection state of its own.
 *
 * Both servers get bench/lib/b-gc-preload.ts preloaded (NODE_OPTIONS), which runs a
 * full garbage collection on SIGUSR2, reports process.memoryUsage() to a file and
 * changes nothing else; each reading is taken once idle, after forced collections:
 * VmRSS, and V8 heap used + external. RSS moves by tens of MB by itself (allocator, page
 * release) and favours a big process with free heap pages, so the target is judged on
 * heap + external; RSS is printed alongside.
 *
 * Run: npm run bench:memory
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gcOnSignalNodeOptions, machine, memoryAfterGc, printReport, restTarget, row, type MemoryReading } from './lib/b-harness.js';
import type { OpenResult, RegisterResult } from './lib/b-load.js';
import { fmt, runScenario, sleep, type LoadProcess, type ScenarioScope } from './lib/scenario.js';

const connections = 4_000;
const warmup = 200;
const settleMs = 1_000;
const targetRatio = 1.5;

interface Reading {
  label: string;
  before: MemoryReading;
  half: MemoryReading;
  after: MemoryReading;
  openMs: number;
}

const problems: string[] = [];
const readings: Reading[] = [];
const half = connections / 2;

const reportFile = join(tmpdir(), `b-idle-memory-${process.pid}.jsonl`);
// B_HEAP_SNAPSHOTS=<dir>: each reading also writes a heap snapshot there (bench/tools/heap-diff.ts compares two).
const measuredEnv = { NODE_OPTIONS: gcOnSignalNodeOptions, B_GC_REPORT: reportFile, ...(process.env.B_HEAP_SNAPSHOTS && { B_HEAP_SNAPSHOTS: process.env.B_HEAP_SNAPSHOTS }) };

/** Memory after `settleMs` of idleness and forced full collections. */
async function settledRss(pid: number): Promise<MemoryReading> {
  await sleep(settleMs);
  return memoryAfterGc(pid, reportFile, 2);
}

async function open(load: LoadProcess, label: string, pool: string, wsUrl: string, prefix: string, start: number, count: number): Promise<number | undefined> {
  const r = await load.call<OpenResult>({ op: 'open', pool, wsUrl, prefix, start, count });
  if (r.failures === 0) return r.ms;
  problems.push(`${label}: ${r.failures} of ${count} connects failed (${r.firstError ?? ''})`);
  return undefined;
}

async function measure(load: LoadProcess, label: string, pid: number, wsUrl: string): Promise<void> {
  if ((await open(load, label, 'warm', wsUrl, 'w', 0, warmup)) === undefined) return;
  await load.call({ op: 'close', pool: 'warm' });
  const before = await settledRss(pid);
  const firstMs = await open(load, label, 'idle', wsUrl, 'u', 0, half);
  if (firstMs === undefined) return;
  const middle = await settledRss(pid);
  const secondMs = await open(load, label, 'idle', wsUrl, 'u', half, half);
  if (secondMs === undefined) return;
  const after = await settledRss(pid);
  readings.push({ label, before, half: middle, after, openMs: firstMs + secondMs });
  await load.call({ op: 'close', pool: 'idle' });
}

async function measureParley(scope: ScenarioScope, load: LoadProcess, label: string, env: Record<string, string>): Promise<void> {
  const parley = await scope.parley({ env: { ...env, ...measuredEnv } });
  const app = restTarget(parley);
  const reg1 = await load.call<RegisterResult>({ op: 'register', ...app, prefix: 'u', start: 0, count: connections, concurrency: 16 });
  const reg2 = await load.call<RegisterResult>({ op: 'register', ...app, prefix: 'w', start: 0, count: warmup, concurrency: 16 });
  if (reg1.failures + reg2.failures > 0) throw new Error(`getToken failed: ${reg1.firstError ?? reg2.firstError}`);
  await measure(load, label, parley.child.pid!, parley.wsUrl);
  await parley.stop();
}

const parleyOutput = await runScenario(problems, async (scope) => {
  const [load, raw] = await Promise.all([scope.load('b-load.ts'), scope.baseline('b-raw-broadcast.ts', measuredEnv)]);
  await measure(load, 'raw ws', raw.pid, raw.wsUrl);
  await raw.stop();
  const storage = await scope.storage();
  await measureParley(scope, load, 'parley (Postgres + Redis)', storage.env);
  await measureParley(scope, load, 'parley (embedded)', {});
});
rmSync(reportFile, { force: true });

const mb = (bytes: number) => fmt(bytes / 1024 / 1024, 1);
/** The second half's increase per connection. */
const perConnection = (r: Reading, key: keyof MemoryReading) => (r.after[key] - r.half[key]) / half;
const base = readings.find((r) => r.label === 'raw ws');
const versus = (r: Reading, key: keyof MemoryReading) => (base ? `${fmt(perConnection(r, key) / perConnection(base, key), 2)}x` : '-');
const lines = [
  `idle-memory: server memory per idle authenticated WebSocket, ${fmt(connections)} connections in two halves (server on core 0, clients on core 1; ${machine()})`,
  row(['case', 'RSS MB', 'RSS B/conn', 'vs raw', 'heap+ext MB', 'heap B/conn', 'vs raw', 'open ms'], 28, 13),
  ...readings.map((r) =>
    row(
      [
        r.label,
        `${mb(r.before.rss)}>${mb(r.after.rss)}`,
        fmt(perConnection(r, 'rss')),
        versus(r, 'rss'),
        `${mb(r.before.heapAndExternal)}>${mb(r.after.heapAndExternal)}`,
        fmt(perConnection(r, 'heapAndExternal')),
        versus(r, 'heapAndExternal'),
        fmt(r.openMs),
      ],
      28,
      13,
    ),
  ),
  `  after ${fmt(settleMs / 1000, 0)} s idle and forced full GCs (lowest of 2 readings); MB: before (after a ${warmup}-session warm-up) > with ${fmt(connections)} sessions open;`,
  `  B/conn: (at ${fmt(connections)} - at ${fmt(half)}) / ${fmt(half)}. RSS: VmRSS (moves by tens of MB on its own: allocator and page release);`,
  '  heap+ext: V8 heap used + external (Buffers) after a full GC: steady, but without native memory (socket and libuv handles). The target is judged on it;',
  '  RSS favours the bigger process, whose heap already has free pages to grow into (Parley), over the small raw server, which must map new ones.',
];
for (const mine of readings.filter((r) => r.label.startsWith('parley'))) {
  if (!base) break;
  const rss = perConnection(mine, 'rss') / perConnection(base, 'rss');
  const heap = perConnection(mine, 'heapAndExternal') / perConnection(base, 'heapAndExternal');
  lines.push(`ratio ${mine.label} / raw ws per connection (same run): heap+ext ${fmt(heap, 2)} (target <= ${targetRatio}: ${heap <= targetRatio ? 'met' : 'MISSED'}), RSS ${fmt(rss, 2)}`);
}
printReport(lines, problems, parleyOutput);
