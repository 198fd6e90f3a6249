/**
 * The scaffolding every server scenario (rest-publish, ws-relay, two-nodes, fanout,
 * catch-up, idle-memory) runs in: bench/lib scripts started as their own processes pinned
 * to a core (a load process driven by JSON lines, baseline servers), a fresh Postgres
 * database and Redis db, and runScenario, which stops whatever a scenario started
 * however the scenario ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serviceStorage } from '../../test/helpers/storage.js';
import { startParleyProcess, type ParleyProcess, type ParleyProcessOptions } from './parley-process.js';

export const benchLibDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(dirname(benchLibDir));

/** Parley and the baseline servers run on this core, the load process on the other. */
const serverCpus = '0';
const loadCpus = '1';

// BENCH_DATABASE_URL is the name fanout, catch-up and idle-memory read before they shared this.
const postgresAdminUrl = process.env.BENCH_POSTGRES_URL ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisBaseUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The command to run a TypeScript file under bench/lib as its own Node process, pinned to `cpus`. */
function pinnedNode(cpus: string, script: string): string[] {
  const node = [process.execPath, '--import', 'tsx', join(benchLibDir, script)];
  return existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', cpus, ...node] : node;
}

/** Asks a child process to exit (`ask`), kills it if it has not within 5 s, and resolves once it is gone. */
async function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  ask();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface LoadProcess {
  pid: number;
  /** Sends one command (`{ op, … }`) and resolves with its answer (one JSON line on the child's stdout). */
  call<T>(command: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts a load script (bench/lib/*-load.ts, built on load-commands.ts) pinned to `cpus`. It reads one JSON command per line on stdin and writes one JSON answer per
 * line on stdout, in order; an answer `{ "error": "…" }` rejects.
 */
async function startLoadProcess(script: string, cpus: string): Promise<LoadProcess> {
  const command = pinnedNode(cpus, script);
  const child = spawn(command[0]!, command.slice(1), { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: Array<{ resolve(value: unknown): void; reject(err: Error): void }> = [];
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`load process exited (${code}):\n${stderr}`));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const next = waiting.shift();
    if (!next) return;
    let answer: unknown;
    try {
      answer = JSON.parse(line);
    } catch {
      next.reject(new Error(`load process printed a non-JSON line: ${line}`));
      return;
    }
    const error = (answer as { error?: unknown }).error;
    if (typeof error === 'string') next.reject(new Error(`load process: ${error}`));
    else next.resolve(answer);
  });
  const call = <T>(cmd: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null) return reject(new Error(`load process exited (${child.exitCode}):\n${stderr}`));
      waiting.push({ resolve: (value) => resolve(value as T), reject });
      child.stdin.write(`${JSON.stringify(cmd)}\n`);
    });
  await call({ op: 'hello' });
  return { pid: child.pid!, call, stop: () => stopChild(child, () => child.stdin.end()) };
}

/** A baseline server (a bench/lib script) on 127.0.0.1. */
export interface PinnedServer {
  pid: number;
  url: string;
  /** `<url>/ws`, where the baselines that speak WebSocket listen. */
  wsUrl: string;
  stop(): Promise<void>;
}

/** Starts a bench/lib script as a server pinned to `cpus`; resolves once it prints `{"port":N}`. */
async function startPinnedServer(script: string, env: Record<string, string>, cpus: string): Promise<PinnedServer> {
  const command = pinnedNode(cpus, script);
  const child = spawn(command[0]!, command.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 30_000);
    child.on('exit', (code) => reject(new Error(`${script} exited (${code}):\n${output}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const value = Number((JSON.parse(line) as { port?: unknown }).port);
      if (Number.isInteger(value) && value > 0) resolve(value);
      else reject(new Error(`${script} printed no port: ${line}`));
    });
  });
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    stop: () => stopChild(child, () => child.kill('SIGTERM')),
  };
}

export interface BenchStorage {
  redisUrl: string;
  databaseName: string;
  /** Env for startParleyProcess. */
  env: Record<string, string>;
  release(): Promise<void>;
}

/** A new Postgres database (dropped by release) and a leased Redis db, flushed now and at release. */
async function freshStorage(): Promise<BenchStorage> {
  const storage = await serviceStorage(postgresAdminUrl, redisBaseUrl);
  const databaseUrl = storage.databaseUrl!;
  const redisUrl = storage.redisUrl!;
  return {
    redisUrl,
    databaseName: new URL(databaseUrl).pathname.slice(1),
    env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
    release: () => storage.release(),
  };
}

/** What a scenario body starts through; everything started is stopped when the scenario ends. */
export interface ScenarioScope {
  /** A fresh Postgres database and Redis db, released last. */
  storage(): Promise<BenchStorage>;
  /** Parley pinned to the server core; a non-zero exit code, whoever stopped it, is a failure. */
  parley(options?: Omit<ParleyProcessOptions, 'cpus'>): Promise<ParleyProcess>;
  /**
   * A load script pinned to the load core (or to the server core, for a client that stands
   * in for Parley, as push-fanout's bare HTTP/2 client); stopped first, so its clients leave
   * while the servers still run.
   */
  load(script: string, core?: 'load' | 'server'): Promise<LoadProcess>;
  /**
   * A baseline server script pinned to the server core, with `env` added to its environment;
   * on the load core instead when it stands for a machine outside the server (an app backend).
   */
  baseline(script: string, env?: Record<string, string>, core?: 'server' | 'load'): Promise<PinnedServer>;
}

/**
 * Runs a scenario's body, then stops what it started, in this order whatever happened:
 * load processes, Parley processes, baseline servers, storage. What the body or the
 * clean-up throws is added to `failures`, like the scenario's failed checks. Resolves
 * with everything the Parley processes printed, for a failure report.
 */
export async function runScenario(failures: string[], body: (scope: ScenarioScope) => Promise<void>): Promise<string> {
  const loads: LoadProcess[] = [];
  const parleys: ParleyProcess[] = [];
  const baselines: PinnedServer[] = [];
  const storages: BenchStorage[] = [];
  const keep = async <T>(list: T[], started: Promise<T>): Promise<T> => {
    const value = await started;
    list.push(value);
    return value;
  };
  const scope: ScenarioScope = {
    storage: () => keep(storages, freshStorage()),
    parley: (options = {}) => keep(parleys, startParleyProcess({ ...options, cpus: serverCpus })),
    load: (script, core = 'load') => keep(loads, startLoadProcess(script, core === 'load' ? loadCpus : serverCpus)),
    baseline: (script, env = {}, core = 'server') => keep(baselines, startPinnedServer(script, env, core === 'server' ? serverCpus : loadCpus)),
  };
  try {
    await body(scope);
  } catch (err) {
    failures.push(describeError(err));
  }
  try {
    for (const load of loads) await load.stop();
    for (const parley of parleys) {
      const code = await parley.stop();
      if (code !== 0 && code !== null) failures.push(`parley exited with ${code}:\n${parley.output()}`);
    }
    for (const baseline of baselines) await baseline.stop();
    for (const storage of storages) await storage.release();
  } catch (err) {
    failures.push(describeError(err));
  }
  return parleys.map((parley) => parley.output()).join('');
}

const describeError = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

export const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Linux clock ticks per second (USER_HZ), the unit of /proc CPU times. */
const ticksPerSecond = 100;

/**
 * A process's name and its CPU ticks from `/proc/<pid>/stat` (man 5 proc: utime, stime,
 * cutime, cstime are fields 14–17, after the name in parentheses); undefined when it is gone.
 */
function procStat(pid: number | string): { name: string; ownTicks: number; childTicks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      ownTicks: Number(fields[11]) + Number(fields[12]),
      childTicks: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system, all threads) a process used so far; 0 when it is gone or /proc is absent. */
export function cpuSeconds(pid: number): number {
  return (procStat(pid)?.ownTicks ?? 0) / ticksPerSecond;
}

/**
 * CPU seconds used so far by every process named `name` (`postgres`, `redis-server`) on
 * the machine, whoever started it: a shared service's share of a run. The processes' reaped
 * children count too (a Postgres backend that exited is in its postmaster's `cutime`), so
 * the sum never goes back. Undefined when no such process is seen (a service in a container
 * or on another machine).
 */
export function namedCpuSeconds(name: string): number | undefined {
  let ticks: number | undefined;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = procStat(pid);
    if (stat?.name === name) ticks = (ticks ?? 0) + stat.ownTicks + stat.childTicks;
  }
  return ticks === undefined ? undefined : ticks / ticksPerSecond;
}

/** CPU seconds all cores spent busy so far (not idle, not waiting on I/O). */
export function busySeconds(): number {
  try {
    const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
    const t = cpu!.trim().split(/\s+/).slice(1).map(Number);
    const total = t.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - (t[3] ?? 0) - (t[4] ?? 0)) / ticksPerSecond;
  } catch {
    return 0;
  }
}
