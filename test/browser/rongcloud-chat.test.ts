import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SdkBrowser, type SdkUser } from '../helpers/browser.js';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * RongCloud's Web SDK (@rongcloud/imlib-next, unchanged, pinned) in Chromium, on a page
 * of another origin, with only `navigators` pointing at Parley.
 */
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

/** An SDK user in its own browser context, connected as `userId`. */
async function sdkUser(userId: string): Promise<SdkUser> {
  const user = await browser.user(t.app().appKey, t.baseUrl);
  expect(await user.connect(await token(userId))).toMatchObject({ code: 0, data: { userId } });
  return user;
}

const text = (m: { content: Record<string, unknown> }) => m.content.content;

describe('RongCloud Web SDK against Parley', () => {
  it('two SDK users chat', async () => {
    const [ann, bob] = await Promise.all([sdkUser('ann'), sdkUser('bob')]);
    const sent = await ann.sendText(1, 'bob', 'hello bob');
    expect(sent).toMatchObject({ code: 0, data: { messageUId: expect.stringMatching(/^\w{4}-\w{4}-\w{4}-\w{4}$/) } });
    const [got] = await bob.waitFor(1);
    expect(got).toMatchObject({ conversationType: 1, targetId: 'ann', senderUserId: 'ann', messageType: 'RC:TxtMsg', content: { content: 'hello bob' }, messageUId: sent.data!.messageUId });
    await bob.sendText(1, 'ann', 'hi ann');
    const [back] = await ann.waitFor(1);
    expect(back).toMatchObject({ targetId: 'bob', senderUserId: 'bob', content: { content: 'hi ann' } });
    await Promise.all([ann.close(), bob.close()]);
  });

  it("an app's own message type goes through with its flags", async () => {
    const [pat, quinn] = await Promise.all([sdkUser('pat'), sdkUser('quinn')]);
    const sent = await pat.run(
      (R) => {
        const Poll = R.registerMessageType!('App:Poll', true, true) as new (content: unknown) => unknown;
        return R.sendMessage!({ conversationType: 1, targetId: 'quinn' }, new Poll({ question: 'lunch?' }));
      },
      null,
    );
    expect(sent).toMatchObject({ code: 0 });
    const [got] = await quinn.waitFor(1);
    expect(got).toMatchObject({ messageType: 'App:Poll', content: { question: 'lunch?' }, senderUserId: 'pat' });
    await Promise.all([pat.close(), quinn.close()]);
  });

  it('a wrong token fails fast with 31004, before any socket', async () => {
    const user = await browser.user(t.app().appKey, t.baseUrl);
    const started = Date.now();
    expect(await user.connect('not-a-parley-token')).toMatchObject({ code: 31004 });
    expect(Date.now() - started).toBeLessThan(3000);
    await user.close();
  });

  it('a server-API send reaches an SDK user', async () => {
    const dan = await sdkUser('dan');
    const { body } = await t.app().post('/message/private/publish.json', { fromUserId: 'system-bot', toUserId: 'dan', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'from the backend' }) });
    expect(body.code).toBe(200);
    const [got] = await dan.waitFor(1);
    expect(got).toMatchObject({ targetId: 'system-bot', senderUserId: 'system-bot', content: { content: 'from the backend' } });
    await dan.close();
  });

  it('an SDK user and a Parley-protocol device talk both ways', async () => {
    const [eve, phone] = await Promise.all([sdkUser('eve'), connectDevice(t, t.app(), 'fay')]);
    const sent = await eve.run(
      (R) => R.sendMessage!({ conversationType: 1, targetId: 'fay' }, new R.TextMessage({ content: 'to the phone' }), { pushConfig: { pushContent: 'Eve wrote' } }),
      null,
    );
    expect(sent).toMatchObject({ code: 0 });
    const [atPhone] = await phone.received(1);
    expect(atPhone).toMatchObject({ conversationType: 1, targetId: 'eve', senderUserId: 'eve', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'to the phone' }), pushContent: 'Eve wrote' });
    await phone.client.send({ conversationType: 1, targetId: 'eve', objectName: 'RC:TxtMsg', content: { content: 'to the browser' } });
    const [atBrowser] = await eve.waitFor(1);
    expect(atBrowser).toMatchObject({ targetId: 'fay', senderUserId: 'fay', content: { content: 'to the browser' } });
    await Promise.all([eve.close(), phone.close()]);
  });

  it('messages sent while an SDK user is away arrive once each, in order, on reconnect', async () => {
    const gus = await sdkUser('gus');
    await gus.disconnect();
    for (const n of [1, 2, 3, 4, 5]) {
      await t.app().post('/message/private/publish.json', { fromUserId: 'hal', toUserId: 'gus', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `offline ${n}` }) });
    }
    expect(await gus.connect(await token('gus'))).toMatchObject({ code: 0 });
    const got = await gus.waitFor(5);
    expect(got.map(text)).toEqual(['offline 1', 'offline 2', 'offline 3', 'offline 4', 'offline 5']);
    // Live again: one more arrives, and a second reconnect brings nothing twice.
    await t.app().post('/message/private/publish.json', { fromUserId: 'hal', toUserId: 'gus', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'live' }) });
    await gus.waitFor(6);
    await gus.disconnect();
    expect(await gus.connect(await token('gus'))).toMatchObject({ code: 0 });
    await settle(500);
    expect((await gus.received()).map(text)).toEqual(['offline 1', 'offline 2', 'offline 3', 'offline 4', 'offline 5', 'live']);
    await gus.close();
  });

  it('history and the conversation list come back', async () => {
    const [ivy, jon] = await Promise.all([sdkUser('ivy'), sdkUser('jon')]);
    for (const n of [1, 2, 3]) await ivy.sendText(1, 'jon', `history ${n}`);
    await jon.waitFor(3);
    const history = await jon.run((R) => R.getHistoryMessages!({ conversationType: 1, targetId: 'ivy' }, { timestamp: 0, count: 2 }), null);
    expect(history).toMatchObject({ code: 0, data: { hasMore: true } });
    const { list } = (history as { data: { list: Array<{ content: Record<string, unknown>; senderUserId: string }> } }).data;
    expect(list.map(text)).toEqual(['history 2', 'history 3']);
    expect(list.every((m) => m.senderUserId === 'ivy')).toBe(true);
    const conversations = (await jon.run((R) => R.getConversationList!(), null)) as { code: number; data: Array<Record<string, unknown>> };
    expect(conversations.code).toBe(0);
    expect(conversations.data).toEqual([
      expect.objectContaining({ conversationType: 1, targetId: 'ivy', unreadMessageCount: 3, latestMessage: expect.objectContaining({ content: { content: 'history 3' } }) }),
    ]);
    await Promise.all([ivy.close(), jon.close()]);
  });

  it('a recall and a read receipt reach the other side', async () => {
    const [kim, lee] = await Promise.all([sdkUser('kim'), sdkUser('lee')]);
    const sent = await kim.sendText(1, 'lee', 'oops');
    await lee.waitFor(1);
    const recalled = await kim.run(
      (R, m) => R.recallMessage!({ conversationType: 1, targetId: 'lee' }, { messageUId: m.messageUId, sentTime: m.sentTime }),
      { messageUId: sent.data!.messageUId, sentTime: sent.data!.sentTime },
    );
    expect(recalled).toMatchObject({ code: 0 });
    const [recall] = await lee.waitFor(1, (m) => m.messageType === 'RC:RcCmd');
    expect(recall).toMatchObject({ senderUserId: 'kim', content: expect.objectContaining({ messageUId: sent.data!.messageUId }) });

    const second = await kim.sendText(1, 'lee', 'read me');
    await lee.waitFor(1, (m) => m.messageUId === second.data!.messageUId);
    expect(await lee.run((R, m) => R.sendReadReceiptMessage!('kim', m.messageUId, m.sentTime), { messageUId: second.data!.messageUId, sentTime: second.data!.sentTime })).toMatchObject({ code: 0 });
    const [receipt] = await kim.events('READ_RECEIPT_RECEIVED');
    expect(receipt).toMatchObject({ conversation: { conversationType: 1, targetId: 'lee' }, messageUId: second.data!.messageUId });
    await Promise.all([kim.close(), lee.close()]);
  });

  it('a group message reaches the other members', async () => {
    const [max, ned] = await Promise.all([sdkUser('max'), sdkUser('ned')]);
    expect((await t.app().post('/group/create.json', { userId: ['max', 'ned', 'oz'], groupId: 'g-web', groupName: 'web' })).body.code).toBe(200);
    expect(await max.sendText(3, 'g-web', 'hello group')).toMatchObject({ code: 0 });
    const [got] = await ned.waitFor(1);
    expect(got).toMatchObject({ conversationType: 3, targetId: 'g-web', senderUserId: 'max', content: { content: 'hello group' } });
    await Promise.all([max.close(), ned.close()]);
  });
});
