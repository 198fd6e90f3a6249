import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gcOnSignalNodeOptions, memoryAfterGc } from '../../bench/lib/b-harness.js';
import { startParleyProcess, type ParleyProcess } from '../../bench/lib/parley-process.js';
import { deviceOn, postTo } from '../helpers/process-api.js';
import { freshStorage, storageMode, type TestStorage } from '../helpers/storage.js';

/**
 * Attacks on a real Parley process that once ended it or let one client exhaust it: it must
 * stay up, keep answering /health, bound what one socket costs, and stop in time.
 */
const running: ParleyProcess[] = [];
let storage: TestStorage;
/** One process serves the attacks that leave it running (C1, C2, H4). */
let shared: ParleyProcess;

/** On services, the stores of this file (the inbox in Redis, so the node's memory is the node's own). */
const storeEnv = (): Record<string, string> => (storageMode === 'services' ? { DATABASE_URL: storage.databaseUrl!, REDIS_URL: storage.redisUrl! } : {});

const memoryReport = join(tmpdir(), `parley-abuse-memory-${process.pid}.jsonl`);
beforeAll(async () => {
  storage = await freshStorage();
  // The shared node reports its memory after a full collection on SIGUSR2 (bench/lib/b-gc-preload.ts).
  shared = await start({ NODE_ID: `shared-${process.pid}`, NODE_OPTIONS: gcOnSignalNodeOptions, B_GC_REPORT: memoryReport });
}, 90_000);
afterEach(async () => {
  await Promise.all(running.filter((p) => p !== shared).map((p) => p.stop('SIGKILL')));
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  await storage.release();
  rmSync(memoryReport, { force: true });
});

async function start(env: Record<string, string> = {}, credentials: { appKey?: string; appSecret?: string } = {}): Promise<ParleyProcess> {
  const parley = await startParleyProcess({ env: { ...storeEnv(), ...env }, ...credentials });
  running.push(parley);
  return parley;
}

const healthy = async (parley: ParleyProcess) => (await fetch(`${parley.url}/health`)).status === 200;
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rawUpgrade(parley: ParleyProcess, path: string): Promise<Socket> {
  const { port } = new URL(parley.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

describe('a Parley process under attack', () => {
  it('one deeply nested frame before connect does not end it (C1)', async () => {
    const parley = shared;
    const ws = new WebSocket(parley.wsUrl);
    await new Promise((resolve) => ws.once('open', resolve));
    const answer = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
    ws.send(`{"op":"send","id":1,"conversationType":1,"targetId":"x","objectName":"RC:TxtMsg","content":${nested(5000)}}`);
    expect(JSON.parse(await answer)).toMatchObject({ op: 'result', ok: false, code: 1002 });
    ws.close();
    expect(await healthy(parley)).toBe(true);
  }, 60_000);

  it('upgrades to another path reset by the peer do not end it (C2)', async () => {
    const parley = shared;
    for (let i = 0; i < 5; i++) {
      const socket = await rawUpgrade(parley, '/not-ws');
      socket.on('error', () => undefined);
      await wait(30);
      socket.resetAndDestroy();
    }
    await wait(200);
    expect(parley.child.exitCode).toBeNull();
    expect(await healthy(parley)).toBe(true);
  }, 60_000);

  it('a device that pings but never reads costs a bounded buffer, is cut off, and finds every message on reconnect (H4)', async () => {
    const parley = shared;
    const slow = await deviceOn(parley, 'slow');
    const sender = await deviceOn(parley, 'flooder');
    const held = async () => (await memoryAfterGc(parley.child.pid!, memoryReport, 2)).heapAndExternal;
    const before = await held();
    // Stop reading; keep sending pings so the server sees a live peer.
    const socket = (slow.client as unknown as { socket: WebSocket }).socket;
    socket.pause();
    const pinger = setInterval(() => socket.send(JSON.stringify({ op: 'ping', id: 'p' })), 100);
    const content = JSON.stringify({ content: 'x'.repeat(64_000) });
    const total = 2_000;
    for (let sent = 0; sent < total; sent += 100) {
      await Promise.all(Array.from({ length: 100 }, () => sender.client.send({ conversationType: 1, targetId: 'slow', objectName: 'RC:TxtMsg', content })));
    }
    const grown = (await held()) - before;
    clearInterval(pinger);
    // 128 MB went to a socket that reads nothing. Unbounded, the node would still hold them after
    // a full collection; bounded (2 MiB per session, then cut off) it holds next to nothing more.
    // Measured after collections, not by RSS, which moves by tens of MB with the garbage of the
    // sends. On the embedded engine the inbox itself is in this process, so only services
    // measure the socket's share.
    if (storageMode === 'services') expect(grown).toBeLessThan(24 * 1024 * 1024);
    await expect.poll(async () => (await postTo(parley, '/user/checkOnline.json', { userId: 'slow' })).body.status, { timeout: 10_000 }).toBe('0');
    socket.terminate();
    const again = await deviceOn(parley, 'slow');
    expect(again.messages).toHaveLength(total);
    expect(new Set(again.messages.map((m) => m.messageUId)).size).toBe(total);
    expect(await healthy(parley)).toBe(true);
    await again.client.close();
    await sender.client.close();
  }, 120_000);

  it('SIGTERM with a socket that stopped reading exits within 5 s (M5)', async () => {
    const parley = await start({ NODE_ID: `stopping-${process.pid}` });
    const stuck = await deviceOn(parley, 'stuck');
    (stuck.client as unknown as { socket: WebSocket }).socket.pause();
    const started = Date.now();
    const code = await parley.stop('SIGTERM');
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    (stuck.client as unknown as { socket: WebSocket }).socket.terminate();
  }, 60_000);

  it.runIf(storageMode === 'services')('a node restarted under the same NODE_ID after SIGKILL drops its dead sessions at once (M4)', async () => {
    const env = { NODE_ID: `same-${process.pid}` };
    const first = await start(env);
    const device = await deviceOn(first, 'ghost');
    expect((await postTo(first, '/user/checkOnline.json', { userId: 'ghost' })).body.status).toBe('1');
    await first.stop('SIGKILL');
    await device.client.close();
    const second = await start(env, { appKey: first.appKey, appSecret: first.appSecret });
    expect((await postTo(second, '/user/checkOnline.json', { userId: 'ghost' })).body.status).toBe('0');
  }, 90_000);
});
