import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { buildClient, screenshot } from '../helpers/pages.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * `/demo` (public/demo.js) on a development start (no app configured): two people in their
 * own browser contexts chat one-to-one and in the demo group, one goes offline and catches
 * up, a message is recalled, read receipts and unread counts show.
 */
let t: TestServer;
let browser: Browser;
let client: ReturnType<typeof buildClient>;

beforeAll(async () => {
  client = buildClient();
  [t, browser] = await Promise.all([startServer({ apps: [], pages: { clientRoot: client.clientRoot } }), launchChromium(), client.built]);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  client?.remove();
});

/** A person's tab, signed in as `userId` and online. */
async function person(userId: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 720 } })).newPage();
  await page.goto(`${t.baseUrl}/demo`);
  await page.fill('#user-id', userId);
  await page.click('#pick-form button');
  await page.locator('#status', { hasText: 'online' }).waitFor();
  return page;
}

const conversation = (page: Page, key: string) => page.locator(`#conversation-list li[data-key="${key}"]`);
const badge = (page: Page, key: string) => conversation(page, key).locator('.badge');
const message = (page: Page, text: string) => page.locator('#message-list .message', { hasText: text });

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.click('#send');
  await message(page, text).waitFor();
}

describe('/demo', () => {
  it('two people chat one-to-one and in a group, catch up after being offline, recall, and see read state and unread counts', { timeout: 30_000 }, async () => {
    const [ann, bob] = await Promise.all([person('ann'), person('bob')]);
    await expect.poll(() => ann.locator('#me').textContent()).toBe('you are ann');

    // One-to-one: Bob sees an unread count, opens the chat, and Ann sees it read.
    await ann.fill('#peer-id', 'bob');
    await ann.click('#new-chat button');
    await say(ann, 'hi bob');
    await expect.poll(() => badge(bob, '1:ann').textContent()).toBe('1');
    await conversation(bob, '1:ann').click();
    await message(bob, 'hi bob').waitFor();
    await expect.poll(() => badge(bob, '1:ann').count()).toBe(0);
    await expect.poll(() => message(ann, 'hi bob').locator('.receipt').textContent()).toBe('Read');
    await say(bob, 'hello ann');
    await message(ann, 'hello ann').waitFor();

    // The group: both joined the demo group through their token.
    await conversation(ann, '3:demo-group').click();
    await say(ann, 'hello group');
    await expect.poll(() => badge(bob, '3:demo-group').textContent()).toBe('1');
    await conversation(bob, '3:demo-group').click();
    await message(bob, 'hello group').waitFor();
    await expect.poll(() => badge(bob, '3:demo-group').count()).toBe(0);

    // Bob goes offline; what Ann sends meanwhile arrives when he is back.
    await bob.click('#offline');
    await bob.locator('#status', { hasText: 'offline' }).waitFor();
    await conversation(ann, '1:bob').click();
    await say(ann, 'while you were away 1');
    await say(ann, 'while you were away 2');
    await bob.click('#online');
    await bob.locator('#notice', { hasText: 'Caught up: 2 messages' }).waitFor();
    await expect.poll(() => badge(bob, '1:ann').textContent()).toBe('2');

    // Ann recalls one: it no longer counts, and Bob sees it recalled.
    await message(ann, 'while you were away 2').locator('.recall').click();
    await message(ann, 'This message was recalled').waitFor();
    await expect.poll(() => badge(bob, '1:ann').textContent()).toBe('1');
    await conversation(bob, '1:ann').click();
    await message(bob, 'while you were away 1').waitFor();
    await expect.poll(() => bob.locator('#message-list .message.recalled').count()).toBe(1);
    await expect.poll(() => message(ann, 'while you were away 1').locator('.receipt').textContent()).toBe('Read');
    await expect.poll(() => badge(bob, '1:ann').count()).toBe(0);

    await Promise.all([screenshot(ann, 'demo-ann'), screenshot(bob, 'demo-bob')]);
  });

  it('issues tokens of the development app only, for users who join the demo group', async () => {
    const response = await fetch(`${t.baseUrl}/demo/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'cat' }) });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { appKey: string; token: string; groupId: string };
    expect(answer).toMatchObject({ appKey: t.deps.devApp?.appKey, groupId: 'demo-group', token: expect.any(String) });
    expect(await t.deps.groups.members(t.deps.devApp!, 'demo-group')).toContain('cat');
    const bad = await fetch(`${t.baseUrl}/demo/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'no spaces' }) });
    expect(bad.status).toBe(400);
  });
  // Its 404 where an app is configured: test/browser/console.test.ts (a server without the development app).
});
