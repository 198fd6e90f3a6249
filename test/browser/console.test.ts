import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../src/client/node.js';
import { launchChromium } from '../helpers/browser.js';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { buildClient, screenshot } from '../helpers/pages.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * `/console` (public/console.js) and the admin API's reads behind it: an operator pastes
 * the admin token, sees the app and toggles a feature live, sees who is online, a chart
 * from the metrics, a conversation's messages and the callback deliveries.
 */
const adminToken = 'console-test-admin-token';
let t: TestServer;
let browser: Browser;
let receiver: CallbackReceiver;
let client: ReturnType<typeof buildClient>;
let ann: ParleyClient;

beforeAll(async () => {
  client = buildClient();
  receiver = await new CallbackReceiver().up();
  [t, browser] = await Promise.all([
    startServer({
      adminToken,
      apps: [{ features: { historyPrivateGroup: true }, callbacks: { messageRoute: { url: receiver.url } } }],
      pages: { clientRoot: client.clientRoot },
    }),
    launchChromium(),
    client.built,
  ]);
  [ann] = await Promise.all([t.device(t.app(), 'ann'), t.device(t.app(), 'bob')]);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await receiver?.down();
  client?.remove();
});

const adminGet = (path: string, token = adminToken) => fetch(`${t.baseUrl}/admin/v1${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('/console', () => {
  it('takes the pasted token, toggles a feature live, and shows sessions, a chart, messages and deliveries', { timeout: 30_000 }, async () => {
    const { appKey } = t.app();
    const send = (text: string) => ann.send({ conversationType: 1, targetId: 'bob', objectName: 'RC:TxtMsg', content: { content: text } });
    await send('hello from the console test');

    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await page.goto(`${t.baseUrl}/console`);
    await page.fill('#admin-token', adminToken);
    await page.click('#token-form button');
    const card = page.locator(`.app[data-app-key="${appKey}"]`);
    await card.waitFor();
    // The token stays in the tab's sessionStorage, never in the address.
    expect(page.url()).toBe(`${t.baseUrl}/console`);
    expect(await page.evaluate("sessionStorage.getItem('parley.adminToken')")).toBe(adminToken);

    // A toggle is a PATCH of the admin API, in effect on the node at once.
    expect(t.deps.apps.get(appKey)?.features.multiDeviceSync).toBe(false);
    await card.locator('input[name="multiDeviceSync"]').check();
    await card.locator('.status', { hasText: 'multiDeviceSync on: saved' }).waitFor();
    const stored = (await (await adminGet(`/apps/${appKey}`)).json()) as { app: { features: { multiDeviceSync: boolean } } };
    expect(stored.app.features.multiDeviceSync).toBe(true);
    expect(t.deps.apps.get(appKey)?.features.multiDeviceSync).toBe(true);

    // Who is online on this node.
    await page.locator('#sessions-summary', { hasText: '2 users online, 2 sessions on 1 node' }).waitFor();
    expect(await page.locator('#session-rows').textContent()).toMatch(/ann.*bob|bob.*ann/s);

    // Throughput: a line drawn from samples of the metrics, moving with traffic.
    await Promise.all([send('one'), send('two'), send('three')]);
    await expect.poll(async () => ((await page.locator('#chart polyline.series').first().getAttribute('points')) ?? '').split(' ').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

    // A conversation's recent messages, as one of its users sees it.
    await page.fill('#messages-user', 'bob');
    await page.fill('#messages-target', 'ann');
    await page.click('#messages-form button');
    await page.locator('#message-rows', { hasText: 'hello from the console test' }).waitFor();

    // The routing callback's events with their delivery state, and the owed pushes.
    await page.locator('#event-rows .pill', { hasText: 'delivered' }).first().waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('#push-pending').textContent()).toBe('0');
    await screenshot(page, 'console');

    // Forgetting the token goes back to the form.
    await page.click('#sign-out');
    await page.locator('#sign-in').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('parley.adminToken')")).toBeNull();
  });

  it('sends a refused token back to the form', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${t.baseUrl}/console`);
    await page.fill('#admin-token', 'not-the-token');
    await page.click('#token-form button');
    await page.locator('#sign-in-error', { hasText: 'The token was refused' }).waitFor();
    expect(await page.locator('#console').isHidden()).toBe(true);
  });

  it("answers the console's admin reads only with the admin token (401 without it)", async () => {
    const { appKey } = t.app();
    const paths = ['/sessions', '/metrics', `/apps/${appKey}/messages?userId=ann&conversationType=1&targetId=bob`, `/apps/${appKey}/events`, `/apps/${appKey}/pushes`];
    for (const path of paths) {
      expect((await fetch(`${t.baseUrl}/admin/v1${path}`)).status, path).toBe(401);
      expect((await adminGet(path, 'a-wrong-token-of-some-length')).status, path).toBe(401);
      expect((await adminGet(path)).status, path).toBe(200);
    }
    expect(await (await adminGet('/sessions')).json()).toMatchObject({
      nodeId: t.deps.nodeId,
      nodes: [{ nodeId: t.deps.nodeId, answered: true, total: 2, sessions: expect.arrayContaining([expect.objectContaining({ appKey, userId: 'ann', platform: 'ios' })]) }],
    });
    expect(await (await adminGet('/metrics')).text()).toContain('parley_messages_committed_total');
    expect((await adminGet(`/apps/${appKey}/messages?userId=ann&conversationType=2&targetId=bob`)).status).toBe(400);
    expect((await adminGet('/apps/no-such-app/events')).status).toBe(404);
    // Without a cursor: the newest events, in order; with one: the feed from there.
    type EventsAnswer = { events: Array<{ id: number }>; cursor: number };
    const all = (await (await adminGet(`/apps/${appKey}/events?after=0&limit=1000`)).json()) as EventsAnswer;
    expect(all.events.length).toBeGreaterThanOrEqual(3);
    const newest = (await (await adminGet(`/apps/${appKey}/events?limit=2`)).json()) as EventsAnswer;
    expect(newest.events.map((e) => e.id)).toEqual(all.events.slice(-2).map((e) => e.id));
    expect(newest.cursor).toBe(all.events.at(-1)!.id);
    expect((await adminGet(`/apps/${appKey}/events?limit=0`)).status).toBe(400);
    expect((await adminGet(`/apps/${appKey}/pushes?id=no-such-push`)).status).toBe(404);
  });

  it('has no demo tokens where an app is configured: POST /demo/token is 404 (public/demo.js says so)', async () => {
    const response = await fetch(`${t.baseUrl}/demo/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'ann' }) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 404 });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${t.baseUrl}/demo`);
    await page.fill('#user-id', 'ann');
    await page.click('#pick-form button');
    await page.locator('#pick-error', { hasText: 'does not run the development app' }).waitFor();
  });

  it('serves only the files of its folders', async () => {
    for (const path of ['/assets/..%2Fpackage.json', '/assets/console.html', '/client/node.ts', '/assets/missing.js']) {
      expect((await fetch(`${t.baseUrl}${path}`)).status, path).toBeGreaterThanOrEqual(400);
    }
    const script = await fetch(`${t.baseUrl}/client/index.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${t.baseUrl}/console`)).headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});
