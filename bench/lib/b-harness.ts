/**
 * Orchestrator-side helpers for the many-client scenarios (fanout, catch-up,
 * idle-memory): the load process (bench/lib/b-load.ts, pinned to core 1) driven by
 * JSON lines, the raw `ws` baseline server (bench/lib/b-raw-broadcast.ts, pinned to
 * core 0), a fresh Postgres database and Redis db, RSS readings and table printing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serviceStorage } from '../../test/helpers/storage.js';

const libDir = dirname(fileURLToPath(import.meta.url));
export const root = dirname(dirname(libDir));

/** `taskset -c <cpus> node --import tsx <script>` (no pinning where taskset is missing). */
function nodeCommand(cpus: string, script: string, args: string[] = []): string[] {
  const node = [process.execPath, '--import', 'tsx', join(libDir, script), ...args];
  return existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', cpus, ...node] : node;
}

export interface LoadProcess {
  pid: number;
  call<T>(cmd: string, args?: object): Promise<T>;
  stop(): Promise<void>;
}

/** Starts bench/lib/b-load.ts on core 1; one request at a time, answered by id. */
export function startLoad(): LoadProcess {
  const command = nodeCommand('1', 'b-load.ts');
  const child = spawn(command[0]!, command.slice(1), { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      for (const w of waiting.values()) w.reject(new Error(`load process exited (${code})`));
      waiting.clear();
      resolve();
    }),
  );
  createInterface({ input: child.stdout }).on('line', (line) => {
    let reply: { id: number; ok: boolean; result?: unknown; error?: string };
    try {
      reply = JSON.parse(line) as typeof reply;
    } catch {
      process.stderr.write(`load: ${line}\n`);
      return;
    }
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if (reply.ok) w.resolve(reply.result);
    else w.reject(new Error(`load: ${reply.error}`));
  });
  return {
    pid: child.pid!,
    call<T>(cmd: string, args: object = {}) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve, reject });
        child.stdin.write(`${JSON.stringify({ id, cmd, args })}\n`);
      });
    },
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface RawServer {
  pid: number;
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/** Starts the raw `ws` baseline (bench/lib/b-raw-broadcast.ts) on core 0. */
export async function startRawServer(env: Record<string, string> = {}): Promise<RawServer> {
  const command = nodeCommand('0', 'b-raw-broadcast.ts');
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`raw server exited (${code})`)));
  });
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface BenchStorage {
  env: Record<string, string>;
  release(): Promise<void>;
}

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisBase = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh database and a leased, flushed Redis db (shared with the test suite's leases). */
export async function freshPostgresRedis(): Promise<BenchStorage> {
  const storage = await serviceStorage(adminUrl, redisBase);
  return { env: { DATABASE_URL: storage.databaseUrl!, REDIS_URL: storage.redisUrl! }, release: () => storage.release() };
}

/** Resident set size of a process, in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** NODE_OPTIONS that make a server collect all garbage on SIGUSR2 (bench/lib/b-gc-preload.ts). */
export const gcOnSignalNodeOptions = `--import tsx --import ${join(libDir, 'b-gc-preload.ts')}`;

export interface MemoryReading {
  /** VmRSS, bytes. */
  rss: number;
  /** V8 heap used + memory of Buffers and other objects outside the heap, bytes (process.memoryUsage). */
  heapAndExternal: number;
}

/**
 * Memory after forced full collections, lowest of `times` readings; the process must run
 * with `gcOnSignalNodeOptions` and B_GC_REPORT=`reportFile` in its environment.
 */
export async function memoryAfterGc(pid: number, reportFile: string, times = 3): Promise<MemoryReading> {
  let rss = Infinity;
  let heapAndExternal = Infinity;
  for (let i = 0; i < times; i++) {
    process.kill(pid, 'SIGUSR2');
    await sleep(700);
    rss = Math.min(rss, rssBytes(pid));
    const last = readFileSync(reportFile, 'utf8').trim().split('\n').at(-1);
    if (!last) throw new Error(`no memory report from ${pid} in ${reportFile}`);
    const usage = JSON.parse(last) as { heapUsed: number; external: number };
    heapAndExternal = Math.min(heapAndExternal, usage.heapUsed + usage.external);
  }
  return { rss, heapAndExternal };
}

/** CPU time (user + system, all threads) a process has used so far, in ms (/proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, utime field 14, stime field 15 (1-based, man 5 proc).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}
const clockTicks = 100;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** One table row: the first cell left-aligned, the rest right-aligned. */
export function row(cells: string[], first = 30, rest = 14): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(first) : cell.padStart(rest))).join('');
}

/** nproc and CPU model, for the header of a table. */
export function machine(): string {
  let model = 'unknown CPU';
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  return `${model}, ${availableParallelism()} CPUs`;
}
