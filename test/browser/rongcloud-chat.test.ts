import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SdkBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let browser: SdkBrowser;

beforeAll(async () => {
  [t, browser] = await Promise.all([startServer({ apps: [{ features: { historyPrivateGroup: true } }] }), SdkBrowser.launch()]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function token(userId: string): Promise<string> {
  const { body } = await t.app().post('/user/getToken.json', { userId, name: `name-${userId}` });
  return String(body.token);
}

describe('RongCloud Web SDK against Parley', () => {
  it('two SDK users chat', async () => {
    const [ann, bob] = await Promise.all([browser.user(t.app().appKey, t.baseUrl), browser.user(t.app().appKey, t.baseUrl)]);
    expect(await ann.connect(await token('ann'))).toMatchObject({ code: 0, data: { userId: 'ann' } });
    expect(await bob.connect(await token('bob'))).toMatchObject({ code: 0, data: { userId: 'bob' } });
    const sent = await ann.sendText(1, 'bob', 'hello bob');
    expect(sent).toMatchObject({ code: 0, data: { messageUId: expect.stringMatching(/^\w{4}-\w{4}-\w{4}-\w{4}$/) } });
    const [got] = await bob.waitFor(1);
    expect(got).toMatchObject({ conversationType: 1, targetId: 'ann', senderUserId: 'ann', messageType: 'RC:TxtMsg', content: { content: 'hello bob' }, messageUId: sent.data!.messageUId });
    await bob.sendText(1, 'ann', 'hi ann');
    const [back] = await ann.waitFor(1);
    expect(back).toMatchObject({ targetId: 'bob', senderUserId: 'bob', content: { content: 'hi ann' } });
  });
});
