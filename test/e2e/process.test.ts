import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirLockStaleMs } from '../../src/store/sql.pglite.js';

/** `parley` as an operator runs it: a real process configured only by its environment. */
/** Every process a test started: killed after the test, so that none outlives it or writes into a folder being removed. */
const started: ChildProcess[] = [];
async function stopStarted(): Promise<void> {
  const alive = started.splice(0).filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(alive.map((child) => new Promise((resolve) => child.once('exit', resolve).kill('SIGKILL'))));
}
afterEach(stopStarted);

function startProcess(env: Record<string, string>): { child: ChildProcess; output: () => string; logs: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  let logs = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    logs += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, logs: () => logs, exited };
}

/** A signed server-API call, as an app backend makes one. */
async function signedPost(port: string, appKey: string, appSecret: string, path: string, body: Record<string, unknown>): Promise<{ code: number }> {
  const nonce = String(Math.random()).slice(2);
  const timestamp = String(Date.now());
  const signature = createHash('sha1').update(appSecret + nonce + timestamp).digest('hex');
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'App-Key': appKey, Nonce: nonce, Timestamp: timestamp, Signature: signature, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { code: number };
}

async function waitFor(read: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = read().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the parley process', () => {
  it('with no app configured prints a banner with the development app and a made admin token (neither secret in the logs), serves /health, keeps the app across restarts, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
    const devApp = /appKey\s+(\S+)\n\s+appSecret\s+(\S+)\n/;
    try {
      const first = startProcess({ DATA_DIR: dataDir });
      const [, appKey, appSecret] = await waitFor(first.output, devApp);
      const [, adminToken] = await waitFor(first.output, /adminToken\s+(\S+)\n/);
      const [, port] = await waitFor(first.output, /listening at http:\/\/127\.0\.0\.1:(\d+)/);
      // The development start's admin API: the made token opens it, and the development app is among its apps.
      const admin = (token: string) => fetch(`http://127.0.0.1:${port}/admin/v1/apps/${appKey}`, { headers: { authorization: `Bearer ${token}` } });
      expect((await admin(`${adminToken}x`)).status).toBe(401);
      const listed = await admin(adminToken!);
      expect(listed.status).toBe(200);
      expect(await listed.json()).toMatchObject({ app: { appKey, features: { multiDeviceSync: true, historyPrivateGroup: true } } });
      expect(first.output()).toContain(`ws://127.0.0.1:${port}/ws`);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      // The console and the demo chat are announced; the demo's tokens are for the development app.
      expect(first.output()).toContain(`http://127.0.0.1:${port}/console`);
      expect(first.output()).toContain(`http://127.0.0.1:${port}/demo`);
      expect(first.output()).toContain(`http://127.0.0.1:${port}/docs`);
      const demoToken = await fetch(`http://127.0.0.1:${port}/demo/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId: 'first-demo' }) });
      expect(await demoToken.json()).toMatchObject({ code: 200, appKey, groupId: 'demo-group' });
      // The development app has what a first try touches on: cloud history among it.
      expect(await signedPost(port!, appKey!, appSecret!, '/message/private/publish.json', { fromUserId: 'first-a', toUserId: ['first-b'], objectName: 'RC:TxtMsg', content: '{"content":"hi"}' })).toMatchObject({ code: 200 });
      expect(await signedPost(port!, appKey!, appSecret!, '/v3/message/private/query.json', { userId: 'first-a', targetId: 'first-b', startTime: 0, endTime: Date.now() + 1000 })).toMatchObject({ code: 200 });
      expect(first.logs()).toContain(appKey);
      expect(first.logs()).not.toContain(appSecret);
      expect(first.logs()).not.toContain(adminToken);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = startProcess({ DATA_DIR: dataDir });
      const [, sameKey, sameSecret] = await waitFor(second.output, devApp);
      expect([sameKey, sameSecret]).toEqual([appKey, appSecret]);
      await waitFor(second.output, /listening at/);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await stopStarted();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);

  it('refuses a second process on the same DATA_DIR while the first lives; the folder is free again once it stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
    try {
      const first = startProcess({ DATA_DIR: dataDir });
      const [, port] = await waitFor(first.output, /listening at http:\/\/127\.0\.0\.1:(\d+)/);
      const second = startProcess({ DATA_DIR: dataDir });
      expect(await second.exited).toBe(2);
      expect(second.output()).toContain(`DATA_DIR ${dataDir} is in use by another Parley process`);
      expect(second.output()).not.toContain('listening at');
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

      // Stopped cleanly: the lock goes with the process.
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const third = startProcess({ DATA_DIR: dataDir });
      await waitFor(third.output, /listening at/);

      // Killed: the lock it leaves goes stale, then a new process takes the folder over.
      third.child.kill('SIGKILL');
      await third.exited;
      const fourth = startProcess({ DATA_DIR: dataDir });
      expect(await fourth.exited).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, dataDirLockStaleMs + 1000));
      const fifth = startProcess({ DATA_DIR: dataDir });
      await waitFor(fifth.output, /listening at/);
      fifth.child.kill('SIGTERM');
      expect(await fifth.exited).toBe(0);
    } finally {
      await stopStarted();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('with IM_APPS and no ADMIN_TOKEN has no admin API and prints no admin token', async () => {
    const configured = startProcess({ DATA_DIR: ':memory:', IM_APPS: JSON.stringify([{ appKey: 'k', appSecret: 's' }]) });
    const [, port] = await waitFor(configured.output, /listening at http:\/\/127\.0\.0\.1:(\d+)/);
    expect((await fetch(`http://127.0.0.1:${port}/admin/v1/apps`)).status).toBe(404);
    expect(configured.output()).not.toContain('adminToken');
  }, 60_000);

  it('refuses to start on a bad config, naming the variable and field', async () => {
    const bad = startProcess({
      DATA_DIR: ':memory:',
      IM_APPS: JSON.stringify([{ appKey: 'k', appSecret: 's', features: { timezone: 'Mars/Olympus' } }]),
    });
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('IM_APPS.0.features.timezone');
  }, 60_000);
});
