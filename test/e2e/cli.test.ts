import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startParleyProcess } from '../../bench/lib/parley-process.js';
import { ParleyClient } from '../../src/client/node.js';
import type { ClientMessage } from '../../src/client/protocol.js';
import { freshStorage, type TestStorage } from '../helpers/storage.js';

/**
 * `parley <command>` (src/cli.ts) as an operator runs it: a process configured by its
 * environment, on the embedded default (a DATA_DIR) or on Postgres and Redis.
 */
let storage: TestStorage;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  storage = await freshStorage();
  dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  env = storage.databaseUrl && storage.redisUrl ? { DATABASE_URL: storage.databaseUrl, REDIS_URL: storage.redisUrl } : { DATA_DIR: dataDir };
});
afterAll(async () => {
  await storage.release();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

// Each run is a fresh process (tsx compiles, PGlite opens its folder): seconds each on a busy machine.
describe('the parley CLI', { timeout: 240_000 }, () => {
  it('check-config prints OK for a good environment, and names the bad variable (exit 2) for a bad one', async () => {
    const [good, badPort, badApp] = await Promise.all([
      cli(['check-config']),
      cli(['check-config'], { PORT: 'eighty' }),
      cli(['check-config'], { IM_APPS: JSON.stringify([{ appKey: 'k' }]) }),
    ]);
    expect(good).toMatchObject({ code: 0, stdout: expect.stringMatching(/^OK: /) });
    expect(good.stdout).toContain(storage.databaseUrl ? 'Postgres, Redis' : `PGlite in ${dataDir}`);

    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/^parley: bad configuration: PORT: /);
    expect(badApp.code).toBe(2);
    expect(badApp.stderr).toContain('IM_APPS.0.appSecret');
  });

  it('migrate applies the migrations once, then finds the database up to date', async () => {
    const first = await cli(['migrate']);
    const migrations = readdirSync(join(import.meta.dirname, '../../migrations')).filter((name) => name.endsWith('.sql')).sort();
    expect(first).toMatchObject({ code: 0, stdout: `applied ${migrations.join(', ')}\n` });
    expect(await cli(['migrate'])).toMatchObject({ code: 0, stdout: 'up to date\n' });
  });

  it('create-app stores an app and issue-token issues tokens with which its users chat on a server started after', async () => {
    const created = await cli(['create-app', 'cli-shop']);
    expect(created.code).toBe(0);
    const [, appKey, appSecret] = created.stdout.match(/^appKey (\S+)\nappSecret ([0-9a-f]{32})\n$/) ?? [];
    expect(appKey).toBe('cli-shop');
    expect(appSecret).toBeDefined();

    const again = await cli(['create-app', 'cli-shop']);
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toBe('parley: appKey: an app cli-shop exists already (code 1002)\n');

    // One after the other: the embedded database is one process's at a time.
    const tokens = [await cli(['issue-token', 'cli-shop', 'ann']), await cli(['issue-token', 'cli-shop', 'bob'])];
    expect(tokens.map((run) => run.code)).toEqual([0, 0]);

    // A server on the same storage (its own app configured too) has the app, and the tokens work.
    const server = await startParleyProcess({ env: { ...env, LOG_LEVEL: 'warn' } });
    try {
      const [ann, bob] = tokens.map((run, i) => new ParleyClient({ url: server.wsUrl, token: run.stdout.trim(), deviceId: `d${i}`, platform: 'web', appKey: 'cli-shop', reconnect: false }));
      const received: ClientMessage[] = [];
      bob!.on('message', (message) => received.push(message));
      expect(await ann!.connect()).toMatchObject({ userId: 'ann' });
      expect(await bob!.connect()).toMatchObject({ userId: 'bob' });
      await ann!.send({ conversationType: 1, targetId: 'bob', objectName: 'RC:TxtMsg', content: { content: 'made by the CLI' } });
      await expect.poll(() => received.map((m) => m.content)).toEqual([JSON.stringify({ content: 'made by the CLI' })]);
      await Promise.all([ann!.close(), bob!.close()]);
    } finally {
      await server.stop();
    }
  });

  it('issue-token refuses an unknown app and a bad user id, printing nothing on stdout; a wrong command shows the usage', async () => {
    const [unknown, badUser, wrongArity, wrongCommand] = await Promise.all([
      cli(['issue-token', 'no-such-app', 'ann']),
      cli(['issue-token', 'cli-shop', 'not/valid']),
      cli(['create-app']),
      cli(['frobnicate']),
    ]);
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: 'parley: no app no-such-app (code 404)\n' });
    expect(badUser).toMatchObject({ code: 1, stdout: '' });
    expect(badUser.stderr).toMatch(/^parley: userId: .*\(code 1002\)\n$/);

    expect(wrongArity.code).toBe(2);
    expect(wrongArity.stderr).toContain('parley: create-app takes 1 argument\nusage: parley <command>');
    expect(wrongCommand).toMatchObject({ code: 2, stderr: expect.stringContaining('parley: unknown command frobnicate') });
  });
});
