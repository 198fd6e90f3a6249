import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../../bench/lib/parley-process.js';

/**
 * A Postgres or Redis of a test's own, on its own port, that the test may stop, freeze
 * (SIGSTOP) and restart: fault tests never touch the shared servers.
 */
export interface OwnService {
  url: string;
  /** Stops it (data kept on disk, as a crash would leave it). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Every process of it stops running (SIGSTOP): connections hang, nothing answers. */
  freeze(): void;
  thaw(): void;
  /** Stops it and removes its files. */
  close(): Promise<void>;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up`);
    await wait(50);
  }
}

/** Redis; with `persistent`, an append-only file keeps its data across `stop`/`start`; `restartEmpty` loses it. */
export async function startOwnRedis(options: { persistent: boolean }): Promise<OwnService & { restartEmpty(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', options.persistent ? 'yes' : 'no', '--appendfsync', 'always', '--dir', dir], { stdio: 'ignore' });
    await until(async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, 'redis');
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url,
    start,
    stop,
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    async restartEmpty() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      await start();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's Postgres binaries (the newest version installed). */
const pgBin = () => join('/usr/lib/postgresql', execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' }).trim().split('\n').sort().at(-1)!, 'bin');

/** Runs a Postgres tool as the postgres user when this process is root (Postgres refuses to run as root). */
function asPostgres(command: string, args: string[]): void {
  const bin = join(pgBin(), command);
  if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'ignore' });
  else execFileSync(bin, args, { stdio: 'ignore' });
}

/** Pids of a process's children (none: empty). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A fresh Postgres cluster of its own (trust auth, user postgres); `settings` are passed as `-c name=value`. */
export async function startOwnPostgres(settings: Record<string, string> = {}): Promise<OwnService> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  const data = join(dir, 'data');
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const start = async () => {
    asPostgres('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off${Object.entries(settings).map(([name, value]) => ` -c ${name}=${value}`).join('')}`, 'start']);
    await until(async () => {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, 'postgres');
  };
  /** The postmaster and every backend: freezing only the postmaster leaves open connections answering. */
  const processes = (): number[] => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return [postmaster, ...childrenOf(postmaster)];
  };
  const signal = (name: NodeJS.Signals) => processes().forEach((pid) => process.kill(pid, name));
  const running = () => existsSync(join(data, 'postmaster.pid'));
  const stop = async () => {
    if (!running()) return;
    signal('SIGCONT');
    asPostgres('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']);
  };
  await start();
  return {
    url,
    start,
    stop,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    async close() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
