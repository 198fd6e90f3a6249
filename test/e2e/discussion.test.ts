import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer, officialNodeSdk } from '../helpers/server.js';

// Discussions (conversation type 2) are served as the groups of the same id (docs/decisions.md),
// driven here by the official Node SDK's Message.Discussion, unchanged.
type Call = (message: Record<string, unknown>) => Promise<Record<string, unknown>>;
const RongSDK = createRequire(import.meta.url)('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => {
  Message: { Discussion: { send: Call; recall: Call } };
};

let t: TestServer;
let app: TestApp;
beforeAll(async () => {
  t = await startServer({ apps: [{ ...officialNodeSdk, features: { historyPrivateGroup: true } }] });
  app = t.app();
});
afterAll(() => t.close());

describe('discussions', () => {
  it('a discussion send reaches the group\'s members as a group message; a recall with conversationType 2 recalls it', async () => {
    expect((await app.post('/group/create.json', { userId: ['d-a', 'd-b'], groupId: 'disc-1', groupName: 'D' })).body.code).toBe(200);
    const member = await connectDevice(t, app, 'd-b');
    const sdk = RongSDK({ appkey: app.appKey, secret: app.appSecret, api: t.baseUrl });
    const sent = await sdk.Message.Discussion.send({ senderId: 'd-a', targetId: 'disc-1', objectName: 'RC:TxtMsg', content: { content: 'hello discussion' } });
    expect(sent).toMatchObject({ code: 200, messageUIDs: [{ discussionId: 'disc-1', messageUID: expect.any(String) }] });
    const [message] = await member.received(1);
    expect(message).toMatchObject({ conversationType: 3, targetId: 'disc-1', senderUserId: 'd-a', content: JSON.stringify({ content: 'hello discussion' }) });

    const recalled = await sdk.Message.Discussion.recall({ senderId: 'd-a', targetId: 'disc-1', uId: message!.messageUId, sentTime: message!.sentTime });
    expect(recalled).toMatchObject({ code: 200 });
    const [, command] = await member.received(2);
    expect(command).toMatchObject({ objectName: 'RC:RcCmd', conversationType: 3, targetId: 'disc-1' });
    expect(JSON.parse(command!.content)).toMatchObject({ messageUId: message!.messageUId, conversationType: 3, targetId: 'disc-1' });
    const history = await member.client.request<{ messages: Array<{ recalled: boolean }> }>('history', { conversationType: 3, targetId: 'disc-1' });
    expect(history.messages).toMatchObject([{ recalled: true }]);
  });

  it('refuses a discussion that is no group (25410) and malformed input (1002), delivering nothing', async () => {
    const member = await connectDevice(t, app, 'd-b', { deviceId: 'd-b-2', platform: 'desktop' });
    const unknown = await app.post('/message/discussion/publish.json', { fromUserId: 'd-a', toDiscussionId: 'no-such', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'x' }) });
    expect(unknown.body.code).toBe(25410);
    for (const body of [
      { fromUserId: 'd-a', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'x' }) },
      { fromUserId: 'd-a', toDiscussionId: ['disc-1', 'b', 'c', 'd'], objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'x' }) },
      { fromUserId: 'd-a', toDiscussionId: 'disc-1', objectName: 'RC:TxtMsg', content: '{"no":"content field"}' },
    ]) {
      const res = await app.post('/message/discussion/publish.json', body);
      expect([res.status, res.body.code]).toEqual([400, 1002]);
    }
    const badRecall = await app.post('/message/recall.json', { fromUserId: 'd-a', conversationType: 5, targetId: 'disc-1', messageUID: 'BJN3-LSG0-7MUC-OR7A', sentTime: 1 });
    expect(badRecall.body.code).toBe(1002);
    await settle();
    expect(member.messages).toEqual([]);
  });
});
