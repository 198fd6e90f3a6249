import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * RongCloud's unchanged Web SDK (the pinned npm packages) in Debian's Chromium, on a page
 * served from its own origin, as an app page would be. One browser per test file; each
 * SDK user gets its own browser context (its own localStorage, so its own device).
 */
const require = createRequire(import.meta.url);
// The packages export only their bundles: the ES module sits beside the CommonJS entry.
const sdkFile = (name: string) => join(dirname(require.resolve(`@rongcloud/${name}`)), 'index.esm.js');

const page = `<!doctype html><html><head><meta charset="utf-8">
<script type="importmap">{ "imports": { "@rongcloud/engine": "/engine.js" } }</script>
<script type="module">
import * as RongIMLib from '/imlib.js';
window.RongIMLib = RongIMLib;
window.received = [];
window.events = {};
RongIMLib.addEventListener(RongIMLib.Events.MESSAGES, (event) => window.received.push(...event.messages));
for (const name of ['DISCONNECT', 'READ_RECEIPT_RECEIVED', 'MESSAGE_RECEIPT_REQUEST', 'MESSAGE_RECEIPT_RESPONSE', 'TYPING_STATUS', 'CHATROOM', 'EXPANSION', 'CONVERSATION']) {
  window.events[name] = [];
  RongIMLib.addEventListener(RongIMLib.Events[name], (event) => window.events[name].push(JSON.parse(JSON.stringify(event ?? null))));
}
window.sdkReady = true;
</script></head><body>Parley browser test</body></html>`;

/** Debian's Chromium (installed by scripts/ensure-chromium.sh), headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface ReceivedMessage {
  conversationType: number;
  targetId: string;
  senderUserId: string;
  messageType: string;
  messageUId: string;
  sentTime: number;
  content: Record<string, unknown>;
  messageDirection: number;
}

export interface SdkResult<T = unknown> {
  code: number;
  data?: T;
}

export class SdkBrowser {
  /** Pages whose user logged out, ready for the next user of the same app (no reload, no new context). */
  private readonly idle: SdkUser[] = [];

  private constructor(
    private readonly browser: Browser,
    private readonly pageServer: Server,
    readonly pageUrl: string,
  ) {}

  static async launch(): Promise<SdkBrowser> {
    const files: Record<string, { body: string | Buffer; type: string }> = {
      '/': { body: page, type: 'text/html' },
      '/imlib.js': { body: readFileSync(sdkFile('imlib-next')), type: 'text/javascript' },
      '/engine.js': { body: readFileSync(sdkFile('engine')), type: 'text/javascript' },
    };
    const pageServer = createServer((request, response) => {
      const file = files[(request.url ?? '/').split('?')[0]!];
      if (!file) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': file.type }).end(file.body);
    });
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    const browser = await launchChromium();
    return new SdkBrowser(browser, pageServer, `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`);
  }

  /**
   * An SDK page with `init` done against `navigator`: a page another user left (each page
   * is its own browser context, so its own localStorage and device), or a new one.
   */
  async user(appKey: string, navigator: string): Promise<SdkUser> {
    const reused = this.idle.findIndex((u) => u.appKey === appKey && u.navigator === navigator);
    if (reused >= 0) return this.idle.splice(reused, 1)[0]!;
    const context = await this.browser.newContext();
    const tab = await context.newPage();
    await tab.goto(this.pageUrl);
    await tab.waitForFunction(() => (globalThis as unknown as { sdkReady?: boolean }).sdkReady === true);
    await tab.evaluate(({ appKey, navigator }) => (globalThis as unknown as { RongIMLib: Sdk }).RongIMLib.init!({ appkey: appKey, navigators: [navigator], logOutputLevel: 4 }), {
      appKey,
      navigator,
    });
    return new SdkUser(tab, appKey, navigator, (user) => this.idle.push(user));
  }

  async close(): Promise<void> {
    await this.browser.close();
    await new Promise((resolve) => this.pageServer.close(resolve));
  }
}

/** The SDK inside the page (typed loosely: the tests only call its public functions). */
type Sdk = Record<string, (...args: unknown[]) => unknown> & { TextMessage: new (content: { content: string }) => unknown };

export class SdkUser {
  constructor(
    readonly page: Page,
    readonly appKey: string,
    readonly navigator: string,
    private readonly release: (user: SdkUser) => void,
  ) {}

  /** Runs `fn` in the page with `RongIMLib` as `R` (its source is sent: it may use only its arguments). */
  run<T, A>(fn: (R: Sdk, arg: A) => T | Promise<T>, arg: A): Promise<T> {
    return this.page.evaluate<T>(`(${fn.toString()})(window.RongIMLib, ${JSON.stringify(arg)})`);
  }

  connect(token: string): Promise<SdkResult<{ userId: string }>> {
    return this.run((R, token) => R.connect!(token) as Promise<SdkResult<{ userId: string }>>, token);
  }

  disconnect(): Promise<unknown> {
    return this.run((R) => R.disconnect!(), null);
  }

  sendText(conversationType: number, targetId: string, text: string): Promise<SdkResult<ReceivedMessage>> {
    return this.run(
      (R, { conversationType, targetId, text }) => R.sendMessage!({ conversationType, targetId }, new R.TextMessage({ content: text })) as Promise<SdkResult<ReceivedMessage>>,
      { conversationType, targetId, text },
    );
  }

  received(): Promise<ReceivedMessage[]> {
    return this.page.evaluate(() => (globalThis as unknown as { received: ReceivedMessage[] }).received);
  }

  /** Events of `name` the SDK reported (`READ_RECEIPT_RECEIVED`, `TYPING_STATUS`, …), waiting for at least `count`. */
  async events(name: string, count = 1): Promise<unknown[]> {
    let events: unknown[] = [];
    await expect
      .poll(
        async () => {
          events = await this.page.evaluate((n) => (globalThis as unknown as { events: Record<string, unknown[]> }).events[n] ?? [], name);
          return events.length;
        },
        { timeout: 8000 },
      )
      .toBeGreaterThanOrEqual(count);
    return events;
  }

  /** Waits until at least `count` messages (matching `filter`) arrived, and returns them. */
  async waitFor(count: number, filter: (m: ReceivedMessage) => boolean = () => true): Promise<ReceivedMessage[]> {
    let matching: ReceivedMessage[] = [];
    await expect
      .poll(
        async () => {
          matching = (await this.received()).filter(filter);
          return matching.length;
        },
        { timeout: 8000 },
      )
      .toBeGreaterThanOrEqual(count);
    return matching;
  }

  /** Logs out and forgets what was received; the page waits for the next user. */
  async close(): Promise<void> {
    await this.disconnect();
    await this.page.evaluate(() => {
      const page = globalThis as unknown as { received: unknown[]; events: Record<string, unknown[]> };
      page.received.length = 0;
      for (const list of Object.values(page.events)) list.length = 0;
    });
    this.release(this);
  }
}
