import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SdkBrowser, type SdkUser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * More of what a chat app does with RongCloud's Web SDK: several devices of one user,
 * chatrooms and their key/values, typing state, group read receipts, message expansion.
 */
let t: TestServer;
let browser: SdkBrowser;

beforeAll(async () => {
  [t, browser] = await Promise.all([startServer({ apps: [{ features: { multiDeviceSync: true, historyPrivateGroup: true } }] }), SdkBrowser.launch()]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function sdkUser(userId: string): Promise<SdkUser> {
  const { body } = await t.app().post('/user/getToken.json', { userId, name: `name-${userId}` });
  const user = await browser.user(t.app().appKey, t.baseUrl);
  expect(await user.connect(String(body.token))).toMatchObject({ code: 0, data: { userId } });
  return user;
}

describe('RongCloud Web SDK features on Parley', () => {
  it("a user's other device gets what it sent (multiDeviceSync), as sent by that user", async () => {
    const [web1, web2, bob] = await Promise.all([sdkUser('amy'), sdkUser('amy'), sdkUser('bill')]);
    const sent = await web1.sendText(1, 'bill', 'from my laptop');
    const [echo] = await web2.waitFor(1);
    expect(echo).toMatchObject({ conversationType: 1, targetId: 'bill', senderUserId: 'amy', messageDirection: 1, messageUId: sent.data!.messageUId });
    await bob.waitFor(1);
    // The sending device is not sent its own message back.
    expect(await web1.received()).toEqual([]);
    await Promise.all([web1.close(), web2.close(), bob.close()]);
  });

  it('chatroom: join, messages, key/values, quit', async () => {
    expect((await t.app().post('/chatroom/create.json', { 'chatroom[lobby]': 'Lobby' })).body.code).toBe(200);
    const [cat, dov] = await Promise.all([sdkUser('cat'), sdkUser('dov')]);
    for (const user of [cat, dov]) expect(await user.run((R) => R.joinChatRoom!('lobby', { count: -1 }), null)).toMatchObject({ code: 0 });
    expect(await cat.sendText(4, 'lobby', 'hello room')).toMatchObject({ code: 0 });
    const [got] = await dov.waitFor(1, (m) => m.messageType === 'RC:TxtMsg');
    expect(got).toMatchObject({ conversationType: 4, targetId: 'lobby', senderUserId: 'cat', content: { content: 'hello room' } });

    expect(await cat.run((R) => R.setChatRoomEntry!('lobby', { key: 'topic', value: 'music' }), null)).toMatchObject({ code: 0 });
    await expect.poll(() => dov.run((R) => R.getChatRoomEntry!('lobby', 'topic'), null), { timeout: 8000 }).toMatchObject({ code: 0, data: 'music' });
    expect(await cat.run((R) => R.removeChatRoomEntry!('lobby', { key: 'topic' }), null)).toMatchObject({ code: 0 });
    await expect.poll(() => dov.run((R) => R.getAllChatRoomEntries!('lobby'), null), { timeout: 8000 }).toMatchObject({ code: 0, data: {} });

    expect(await dov.run((R) => R.quitChatRoom!('lobby'), null)).toMatchObject({ code: 0 });
    const before = (await dov.received()).length;
    await cat.sendText(4, 'lobby', 'after dov left');
    await expect.poll(async () => (await t.app().post('/chatroom/user/query.json', { chatroomId: 'lobby', count: 10, order: 1 })).body.total).toBe(1);
    expect((await dov.received()).length).toBe(before);
    await Promise.all([cat.close(), dov.close()]);
  });

  it('ultra group: a member gets messages live and reads the channel history', async () => {
    expect((await t.app().post('/ultragroup/create.json', { userId: 'kai', groupId: 'ug-web', groupName: 'ug' })).body.code).toBe(200);
    expect((await t.app().post('/ultragroup/join.json', { userId: 'lou', groupId: 'ug-web' })).body.code).toBe(200);
    const [kai, lou] = await Promise.all([sdkUser('kai'), sdkUser('lou')]);
    const sent = await kai.sendText(10, 'ug-web', 'hello ultra');
    expect(sent).toMatchObject({ code: 0 });
    const [got] = await lou.waitFor(1);
    expect(got).toMatchObject({ conversationType: 10, targetId: 'ug-web', senderUserId: 'kai', content: { content: 'hello ultra' }, messageUId: sent.data!.messageUId });
    const history = await lou.run((R) => R.getHistoryMessages!({ conversationType: 10, targetId: 'ug-web', channelId: '' }, { timestamp: 0, count: 10 }), null);
    expect(history).toMatchObject({ code: 0, data: { list: [expect.objectContaining({ messageUId: sent.data!.messageUId })] } });
    await Promise.all([kai.close(), lou.close()]);
  });

  it('typing state reaches the other side as a status message', async () => {
    const [eli, flo] = await Promise.all([sdkUser('eli'), sdkUser('flo')]);
    expect(await eli.run((R) => R.sendTypingStatusMessage!({ conversationType: 1, targetId: 'flo' }, 'RC:TxtMsg'), null)).toMatchObject({ code: 0 });
    const [typing] = await flo.events('TYPING_STATUS');
    expect(typing).toMatchObject({ status: [expect.objectContaining({ conversationType: 1, targetId: 'eli', list: [expect.objectContaining({ userId: 'eli', messageType: 'RC:TxtMsg' })] })] });
    await Promise.all([eli.close(), flo.close()]);
  });

  it('group read receipts: a request and its response', async () => {
    expect((await t.app().post('/group/create.json', { userId: ['gil', 'hex'], groupId: 'g-receipts', groupName: 'receipts' })).body.code).toBe(200);
    const [gil, hex] = await Promise.all([sdkUser('gil'), sdkUser('hex')]);
    const sent = await gil.sendText(3, 'g-receipts', 'please read');
    await hex.waitFor(1);
    expect(await gil.run((R, uid) => R.sendReadReceiptRequest!('g-receipts', uid), sent.data!.messageUId)).toMatchObject({ code: 0 });
    const [request] = await hex.events('MESSAGE_RECEIPT_REQUEST');
    expect(request).toMatchObject({ conversation: { conversationType: 3, targetId: 'g-receipts' }, messageUId: sent.data!.messageUId, senderUserId: 'gil' });
    expect(await hex.run((R, uid) => R.sendReadReceiptResponseV2!('g-receipts', { gil: [uid] }), sent.data!.messageUId)).toMatchObject({ code: 0 });
    const [response] = await gil.events('MESSAGE_RECEIPT_RESPONSE');
    expect(response).toMatchObject({ conversation: { conversationType: 3, targetId: 'g-receipts' }, receivedUserId: 'hex', messageUIdList: [sent.data!.messageUId] });
    await Promise.all([gil.close(), hex.close()]);
  });

  it('message expansion: the sender sets a key, the other side is told', async () => {
    const [ida, jay] = await Promise.all([sdkUser('ida'), sdkUser('jay')]);
    const sent = (await ida.run(
      (R) => R.sendMessage!({ conversationType: 1, targetId: 'jay' }, new R.TextMessage({ content: 'expandable' }), { canIncludeExpansion: true, expansion: { likes: '0' } }),
      null,
    )) as { code: number; data: Record<string, unknown> };
    expect(sent).toMatchObject({ code: 0 });
    await jay.waitFor(1);
    expect(await ida.run((R, message) => R.updateMessageExpansion!({ likes: '1' }, message), sent.data)).toMatchObject({ code: 0 });
    const [change] = await jay.events('EXPANSION');
    expect(change).toMatchObject({ updatedExpansion: { messageUId: sent.data.messageUId, expansion: { likes: '1' } } });
    expect(await ida.run((R, message) => R.removeMessageExpansionForKey!(['likes'], message), sent.data)).toMatchObject({ code: 0 });
    const [, removal] = await jay.events('EXPANSION', 2);
    expect(removal).toMatchObject({ deletedExpansion: { messageUId: sent.data.messageUId, deletedKeys: ['likes'] } });
    await Promise.all([ida.close(), jay.close()]);
  });
});
