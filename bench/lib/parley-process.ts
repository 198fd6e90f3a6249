import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ParleyProcess {
  url: string;
  wsUrl: string;
  appKey: string;
  appSecret: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ParleyProcessOptions {
  /** Extra environment (DATABASE_URL, REDIS_URL, NODE_ID, …); embedded storage when absent. */
  env?: Record<string, string>;
  features?: Record<string, unknown>;
  /** The app's `push` (providers) in IM_APPS. */
  push?: Record<string, unknown>;
  /** The app's Tencent IM settings (docs/tencent-im.md), none when absent. */
  tencent?: Record<string, unknown>;
  /** The app's callbacks (docs/callbacks.md), none when absent. */
  callbacks?: Record<string, unknown>;
  appKey?: string;
  appSecret?: string;
  /** Pin to these CPUs with taskset when available (benchmarks: server on one core, load on the other). */
  cpus?: string;
}

/**
 * Starts Parley as its own process, configured only by environment, on a free port,
 * and resolves once it listens. Used by benchmarks and multi-node tests.
 */
export async function startParleyProcess(options: ParleyProcessOptions = {}): Promise<ParleyProcess> {
  const appKey = options.appKey ?? `bench${randomBytes(4).toString('hex')}`;
  const appSecret = options.appSecret ?? randomBytes(12).toString('hex');
  const env = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATA_DIR: ':memory:',
    LOG_LEVEL: 'warn',
    // Benchmarks drive clients far past any device's frame rate, thousands from one address.
    WS_FRAMES_PER_SECOND: '0',
    WS_CONNECTIONS_PER_MINUTE: '0',
    // signatureMaxAgeSeconds 0: the bench load replays one signed header set, as the official Node SDK does.
    IM_APPS: JSON.stringify([
      { appKey, appSecret, signatureMaxAgeSeconds: 0, features: options.features ?? {}, ...(options.callbacks && { callbacks: options.callbacks }), ...(options.push && { push: options.push }), ...(options.tencent && { tencent: options.tencent }) },
    ]),
    ...options.env,
  };
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it exits (bench/tools/profile-summary.ts reads it).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const node = [process.execPath, ...profile, '--import', 'tsx', 'src/main.ts'];
  const command = options.cpus && existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', options.cpus, ...node] : node;
  const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = env.PORT;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`parley exited (${child.exitCode}) before listening:\n${output}`);
    const up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`parley did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    appKey,
    appSecret,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
