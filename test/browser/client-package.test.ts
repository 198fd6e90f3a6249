import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * `parley/client` as a consumer gets it: built by tsconfig.client.json (as `npm run build`
 * does) into a package laid out like an installed `parley`, then loaded by a page in
 * Chromium, compiled against by TypeScript, and imported by Node through the package's
 * `exports`.
 */
const run = promisify(execFile);
const tsc = (...args: string[]) => run(process.execPath, ['node_modules/typescript/bin/tsc', ...args]);

// Under the project's node_modules, so that the Node entry finds `ws` (and tsc its types) as an installed package would.
let consumerDir: string;
let packageDir: string;
let t: TestServer;
let browser: Browser;
let pageServer: Server;
let pageUrl: string;

const page = `<!doctype html><html><head><meta charset="utf-8">
<script type="module">
import { ParleyClient } from '/dist/client/index.js';
window.ParleyClient = ParleyClient;
window.received = [];
window.clientReady = true;
</script></head><body>parley/client in a browser</body></html>`;

beforeAll(async () => {
  mkdirSync(join('node_modules', '.cache'), { recursive: true });
  consumerDir = mkdtempSync(join('node_modules', '.cache', 'parley-client-'));
  packageDir = join(consumerDir, 'node_modules', 'parley');
  mkdirSync(packageDir, { recursive: true });
  cpSync('package.json', join(packageDir, 'package.json'));
  [t, browser] = await Promise.all([startServer({ apps: [{ features: { historyPrivateGroup: true } }] }), launchChromium(), tsc('-p', 'tsconfig.client.json', '--outDir', join(packageDir, 'dist'))]);
  // The page's own origin, as an app's would be: the built files, and nothing of Node.
  pageServer = createServer((request, response) => {
    const path = normalize((request.url ?? '/').split('?')[0]!);
    if (path === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (!path.startsWith('/dist/') || extname(path) !== '.js') return void response.writeHead(404).end();
    try {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(packageDir, path)));
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
  await t?.close();
  rmSync(consumerDir, { recursive: true, force: true });
});

async function token(userId: string): Promise<string> {
  const { body } = await t.app().post('/user/getToken.json', { userId, name: `name-${userId}` });
  return String(body.token);
}

/** A page in its own browser context with `window.client` connected as `userId`, recording the messages it receives. */
async function browserUser(userId: string): Promise<Page> {
  const tab = await (await browser.newContext()).newPage();
  await tab.goto(pageUrl);
  await tab.waitForFunction(() => (globalThis as unknown as { clientReady?: boolean }).clientReady === true);
  const connected = await tab.evaluate(
    async ({ url, token, userId, appKey }) => {
      const page = globalThis as unknown as { ParleyClient: typeof import('../../src/client/index.js').ParleyClient; client: unknown; received: unknown[] };
      const client = new page.ParleyClient({ url, token, deviceId: `${userId}-browser`, platform: 'web', appKey });
      page.client = client;
      client.on('message', (message) => page.received.push(message));
      return client.connect();
    },
    { url: t.wsUrl, token: await token(userId), userId, appKey: t.app().appKey },
  );
  expect(connected).toMatchObject({ userId });
  return tab;
}

describe('parley/client', () => {
  it('runs in Chromium on the global WebSocket: two pages chat, and one reads its history', { timeout: 60_000 }, async () => {
    const [ann, bob] = [await browserUser('pkg-ann'), await browserUser('pkg-bob')];
    type Window = { client: import('../../src/client/index.js').ParleyClient; received: Array<{ content: string; senderUserId: string }> };
    const sent = await ann.evaluate(() =>
      (globalThis as unknown as Window).client.send({ conversationType: 1, targetId: 'pkg-bob', objectName: 'RC:TxtMsg', content: { content: 'hello from a page' } }),
    );
    expect(sent).toMatchObject({ messageUId: expect.any(String), sentTime: expect.any(Number) });
    await expect
      .poll(() => bob.evaluate(() => (globalThis as unknown as Window).received.map((m) => [m.senderUserId, m.content])))
      .toEqual([['pkg-ann', JSON.stringify({ content: 'hello from a page' })]]);
    const history = await bob.evaluate(() => (globalThis as unknown as Window).client.request('history', { conversationType: 1, targetId: 'pkg-ann' }));
    expect(history.messages.map((m) => m.messageUId)).toEqual([sent.messageUId]);
    await Promise.all([ann, bob].map((tab) => tab.evaluate(() => (globalThis as unknown as Window).client.close())));
  });

  it('is imported by Node 20 through the package exports, and falls back to ws when Node has no global WebSocket', { timeout: 60_000 }, async () => {
    const script = `
      const { ParleyClient } = await import('parley/client');
      const client = new ParleyClient({ url: process.env.WS_URL, token: process.env.TOKEN, deviceId: 'node-1', platform: 'desktop', reconnect: false });
      const { userId } = await client.connect();
      await client.close();
      console.log(typeof WebSocket, userId);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: consumerDir,
      env: { PATH: process.env.PATH ?? '', WS_URL: t.wsUrl, TOKEN: await token('pkg-node') },
    });
    expect(stdout.trim()).toBe(`${typeof globalThis.WebSocket} pkg-node`);
  });

  it("ships declarations: a consumer type-checks against 'parley/client' for browsers (DOM, no Node types) and for Node", { timeout: 120_000 }, async () => {
    writeFileSync(
      join(consumerDir, 'consumer.ts'),
      `import { ParleyClient, ParleyRequestError, type ClientMessage, type ConversationEntry, type HistoryPage, type SendResult } from 'parley/client';

const client = new ParleyClient({ url: 'ws://127.0.0.1/ws', token: 't', deviceId: 'd', platform: 'web' });
client.on('message', (message: ClientMessage) => message.messageUId.toUpperCase());
client.on('kicked', (reason) => reason === 'web-limit');
export const sent: Promise<SendResult> = client.send({ conversationType: 1, targetId: 'u2', objectName: 'RC:TxtMsg', content: { content: 'hi' } });
export const page: Promise<HistoryPage> = client.request('history', { conversationType: 1, targetId: 'u2', limit: 20 });
export const list: Promise<ConversationEntry[]> = client.request('conversations', { limit: 10 }).then((data) => data.conversations);
export const failed = (err: unknown) => err instanceof ParleyRequestError && err.code === 31004;
// @ts-expect-error each op's fields are typed
client.request('recall', { messageUId: 42 });
// @ts-expect-error results are typed
export const wrong: Promise<number> = client.request('sync', { afterSeq: 0 });
`,
    );
    const options = (extra: Record<string, unknown>) => JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', ...extra }, files: ['consumer.ts'] });
    writeFileSync(join(consumerDir, 'tsconfig.browser.json'), options({ module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], types: [] }));
    writeFileSync(join(consumerDir, 'tsconfig.node.json'), options({ module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'], typeRoots: [join(process.cwd(), 'node_modules', '@types')] }));
    // tsc exits non-zero (and the promise rejects with its output) on any error.
    await Promise.all([tsc('-p', join(consumerDir, 'tsconfig.browser.json')), tsc('-p', join(consumerDir, 'tsconfig.node.json'))]);
  });
});
