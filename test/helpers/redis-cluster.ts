import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

/**
 * A Redis Cluster of its own on loopback: three masters with one replica each, from
 * Debian's redis-server, nothing persisted (appendonly no, save ""). The cluster bus of
 * a node listens on its port + 10000, so ports are picked with both free.
 */
export interface LocalRedisCluster {
  /** For REDIS_CLUSTER_NODES. */
  nodes: string;
  /** SIGKILLs the master of `key`'s slot and waits until its replica took over; returns the dead master's port. */
  killMasterOf(key: string): Promise<number>;
  close(): Promise<void>;
}

const run = promisify(execFile);
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Six ports below the ephemeral range whose cluster bus ports (+10000) are free too. */
async function clusterPorts(): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 16_000 + Math.floor(Math.random() * 6_000);
    const ports = Array.from({ length: 6 }, (_, i) => base + i);
    if ((await Promise.all(ports.flatMap((p) => [isFree(p), isFree(p + 10_000)]))).every(Boolean)) return ports;
  }
  throw new Error('no free ports for a Redis Cluster');
}

async function ask(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args]);
  return stdout;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} timed out`);
    await wait(100);
  }
}

/** Every live node agrees the cluster is ok, and every replica is in sync with its master. */
async function settled(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    if (!(await ask(port, 'cluster', 'info')).includes('cluster_state:ok')) return false;
    const replication = await ask(port, 'info', 'replication');
    if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
  }
  return true;
}

export async function startRedisCluster(): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-cluster-'));
  const ports = await clusterPorts();
  const children = new Map<number, ChildProcess>();
  for (const port of ports) {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000'];
    children.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
  }
  const close = async () => {
    const running = [...children.values()].filter((child) => child.exitCode === null && child.signalCode === null);
    await Promise.all(running.map((child) => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL')))));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => (await Promise.all(ports.map((port) => ask(port, 'ping')))).every((pong) => pong.trim() === 'PONG'), 'start');
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes']);
    await until(() => settled(ports), 'create');
  } catch (err) {
    await close();
    throw err;
  }
  return {
    nodes: ports.map((port) => `127.0.0.1:${port}`).join(','),
    async killMasterOf(key) {
      const probe = new Redis(ports[0]!, '127.0.0.1');
      try {
        const slot = await probe.cluster('KEYSLOT', key);
        const shards = await probe.cluster('SLOTS');
        const port = shards.find(([from, to]) => from <= slot && slot <= to)![2]![1];
        const child = children.get(port)!;
        await new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL')));
        await until(() => settled(ports.filter((p) => p !== port)), 'failover');
        return port;
      } finally {
        probe.disconnect();
      }
    },
    close,
  };
}
