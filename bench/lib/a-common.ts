/**
 * Shared plumbing of the rest-publish, ws-relay and two-nodes scenarios: a load process
 * pinned to its own core that answers JSON-line commands, a fresh Postgres database and
 * Redis db per run, signed REST calls, and table formatting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serviceStorage } from '../../test/helpers/storage.js';

export const benchLibDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = dirname(dirname(benchLibDir));

/** The server (and the baseline servers) run on this core, the load generator on the other. */
export const serverCpus = '0';
export const loadCpus = '1';

export const postgresAdminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisBaseUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The command to run a TypeScript file under bench/lib as its own Node process, pinned to `cpus`. */
export function pinnedNode(cpus: string, script: string, args: string[] = []): string[] {
  const node = [process.execPath, '--import', 'tsx', join(benchLibDir, script), ...args];
  return existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', cpus, ...node] : node;
}

export interface LoadProcess {
  pid: number;
  /** Sends one command and resolves with its answer (one JSON line on the child's stdout). */
  call<T>(command: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts a load script (bench/lib/a-*-load.ts) pinned to the load core. It reads one JSON
 * command per line on stdin and writes one JSON answer per line on stdout, in order;
 * an answer `{ "error": "…" }` rejects.
 */
export async function startLoadProcess(script: string): Promise<LoadProcess> {
  const command = pinnedNode(loadCpus, script);
  const child = spawn(command[0]!, command.slice(1), { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: Array<{ resolve(value: unknown): void; reject(err: Error): void }> = [];
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
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
  return {
    pid: child.pid!,
    call,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts a bench/lib script as a server pinned to the server core; resolves with the port it prints. */
export async function startPinnedServer(script: string, args: string[] = []): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const command = pinnedNode(serverCpus, script, args);
  const child = spawn(command[0]!, command.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
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
    port,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface BenchStorage {
  databaseUrl: string;
  redisUrl: string;
  databaseName: string;
  /** Env for startParleyProcess. */
  env: Record<string, string>;
  release(): Promise<void>;
}

/** A new Postgres database (dropped by release) and a leased Redis db, flushed now and at release. */
export async function freshStorage(): Promise<BenchStorage> {
  const storage = await serviceStorage(postgresAdminUrl, redisBaseUrl);
  const databaseUrl = storage.databaseUrl!;
  const redisUrl = storage.redisUrl!;
  return {
    databaseUrl,
    redisUrl,
    databaseName: new URL(databaseUrl).pathname.slice(1),
    env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
    release: () => storage.release(),
  };
}

export interface AppKeys {
  url: string;
  appKey: string;
  appSecret: string;
}

/** REST signature headers (sha1(secret + nonce + timestamp), hex), valid as long as the app has no freshness window. */
export function signHeaders(app: Pick<AppKeys, 'appKey' | 'appSecret'>): Record<string, string> {
  const nonce = String(Math.floor(Math.random() * 0xffffff));
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    'App-Key': app.appKey,
    Nonce: nonce,
    Timestamp: timestamp,
    Signature: createHash('sha1').update(app.appSecret + nonce + timestamp).digest('hex'),
  };
}

/** One signed form POST; throws unless the answer is `{"code":200,…}`. */
export async function restCall(app: AppKeys, path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(app.url + path, {
    method: 'POST',
    headers: { ...signHeaders(app), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200 || body.code !== 200) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export async function getToken(app: AppKeys, userId: string): Promise<string> {
  const body = await restCall(app, '/user/getToken.json', { userId, name: userId });
  return String(body.token);
}

/** Result of one autocannon run, as the HTTP load process reports it. */
export interface HttpRunResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  statusCodes: Record<string, number>;
}

/** What the HTTP load process answers to `count`. */
export interface ReceiverCounts {
  total: number;
  counts: number[];
  open: number;
  events: string[];
}

export const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A plain-text table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)) + 2);
  return all.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('').trimEnd());
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `read` until it returns `target` or stops changing for `quietMs` (or `maxMs` passed); returns the last value. */
export async function settle(read: () => Promise<number>, target: number, quietMs = 3_000, maxMs = 15_000): Promise<number> {
  const started = Date.now();
  let last = await read();
  let changedAt = Date.now();
  while (last !== target && Date.now() - changedAt < quietMs && Date.now() - started < maxMs) {
    await sleep(100);
    const value = await read();
    if (value !== last) changedAt = Date.now();
    last = value;
  }
  return last;
}

/** Linux clock ticks per second (USER_HZ), the unit of /proc CPU times. */
const ticksPerSecond = 100;

/** CPU seconds (user + system) a process used so far; 0 when it is gone or /proc is absent. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** CPU seconds all cores spent busy so far (not idle, not waiting on I/O). */
function busySeconds(): number {
  try {
    const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
    const t = cpu!.trim().split(/\s+/).slice(1).map(Number);
    const total = t.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - (t[3] ?? 0) - (t[4] ?? 0)) / ticksPerSecond;
  } catch {
    return 0;
  }
}

export interface CpuUse {
  /** Per named process: % of one core during the measured call. */
  processes: Record<string, number>;
  /** Busy time of the whole machine outside those processes (Postgres, Redis, anything else), % of one core. */
  other: number;
}

/** Runs `fn` and reports how busy the given processes (and the rest of the machine) were meanwhile. */
export async function withCpu<T>(pids: Record<string, number>, fn: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSecondsOf(pid)]));
  const busyBefore = busySeconds();
  const started = performance.now();
  const result = await fn();
  const elapsed = (performance.now() - started) / 1_000;
  const processes: Record<string, number> = {};
  let named = 0;
  for (const [name, pid] of Object.entries(pids)) {
    const used = cpuSecondsOf(pid) - before[name]!;
    named += used;
    processes[name] = (100 * used) / elapsed;
  }
  const other = Math.max(0, (100 * (busySeconds() - busyBefore - named)) / elapsed);
  return { result, cpu: { processes, other } };
}

export const pct = (value: number | undefined) => (value === undefined ? '-' : `${Math.round(value)}%`);

/** A scenario's own crash, recorded like its failed checks. */
export const describeError = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

/** Stops a Parley process; an unclean exit is a failure of the scenario. */
export async function stopParley(parley: { stop(): Promise<number | null>; output(): string } | undefined, failures: string[]): Promise<void> {
  const code = await parley?.stop();
  if (parley && code !== 0 && code !== null) failures.push(`parley exited with ${code}:\n${parley.output()}`);
}

/** Prints the scenario's failures, if any, and makes the process exit non-zero. */
export function reportFailures(failures: readonly string[]): void {
  if (failures.length === 0) return;
  process.stdout.write(`FAILED:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
  process.exitCode = 1;
}
