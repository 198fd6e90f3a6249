import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, officialNodeSdk } from '../helpers/server.js';

// The official Node SDK's own spec suite (rongcloud-sdk 3.1.1, node_modules/rongcloud-sdk/spec),
// unchanged, run by jasmine against Parley with the suite's app key and secret.
const runner = fileURLToPath(new URL('../node-sdk/run-spec.ts', import.meta.url));

/** The cases docs/server-api.md names as depending on RongCloud's cloud (or on push, not served yet). */
function documentedFailures(): string[] {
  const doc = readFileSync(new URL('../../docs/server-api.md', import.meta.url), 'utf8');
  const section = doc.split('<!-- node-sdk-spec-failures: begin -->')[1]?.split('<!-- node-sdk-spec-failures: end -->')[0] ?? '';
  return section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| spec') && !line.startsWith('| ---')).map((line) => line.split(' | ')[0]!.slice(2));
}

interface SpecResult {
  name: string;
  status: 'passed' | 'failed' | 'pending' | 'excluded';
  failures: string[];
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ apps: [{ ...officialNodeSdk, appKey: '8luwapkvucoil', appSecret: 'y0icysjl4h3LWz', features: { historyPrivateGroup: true } }] });
});
afterAll(() => t.close());

function runSuite(url: string): Promise<SpecResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', runner], { env: { PATH: process.env.PATH ?? '', PARLEY_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`spec runner exited ${code}: ${err}`));
      else resolve(out.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as SpecResult));
    });
  });
}

describe('the official Node SDK\'s own spec suite', () => {
  it('passes except the cases that depend on RongCloud\'s cloud-side fixtures (docs/server-api.md)', async () => {
    const results = await runSuite(t.baseUrl);
    const expected = documentedFailures();
    expect(expected.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'failed').map((r) => r.name).sort()).toEqual([...expected].sort());
    expect(results.filter((r) => r.status === 'passed').length).toBeGreaterThan(150);
  }, 120_000);
});
