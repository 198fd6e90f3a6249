import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice } from '../helpers/device.js';
import { startServer, type TestServer, officialNodeSdk } from '../helpers/server.js';

type Call = (message: Record<string, unknown>) => Promise<Record<string, unknown>>;
const RongSDK = createRequire(import.meta.url)('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => {
  Message: {
    Private: { send: Call; sendTemplate: Call };
    System: { send: Call; broadcast: Call; sendTemplate: Call };
  };
};

let t: TestServer;
let sdk: ReturnType<typeof RongSDK>;
beforeAll(async () => {
  t = await startServer({ apps: [officialNodeSdk] });
  sdk = RongSDK({ appkey: t.app().appKey, secret: t.app().appSecret, api: t.baseUrl });
});
afterAll(() => t.close());

describe('rongcloud-sdk 3.1.1 message calls against Parley', () => {
  it('Message.Private.send delivers to every target, online or not', async () => {
    const online = await connectDevice(t, t.app(), 'sdk-b');
    const result = await sdk.Message.Private.send({ senderId: 'sdk-a', targetId: ['sdk-b', 'sdk-c'], objectName: 'RC:TxtMsg', content: { content: 'via sdk' } });
    expect(result).toMatchObject({ code: 200 });
    const [message] = await online.received(1);
    expect(message).toMatchObject({ senderUserId: 'sdk-a', content: JSON.stringify({ content: 'via sdk' }) });
    const offline = await connectDevice(t, t.app(), 'sdk-c');
    expect(offline.messages).toHaveLength(1);
  });

  it('Message.Private.sendTemplate fills each target\'s values', async () => {
    const result = await sdk.Message.Private.sendTemplate({
      senderId: 'sdk-a',
      objectName: 'RC:TxtMsg',
      template: { content: '{name}, your code is {code}' },
      content: { 'sdk-t1': { data: { '{name}': 'Tess', '{code}': '1234' }, push: 'hi {name}' } },
    });
    expect(result).toMatchObject({ code: 200 });
    const device = await connectDevice(t, t.app(), 'sdk-t1');
    expect(JSON.parse(device.messages[0]!.content)).toEqual({ content: 'Tess, your code is 1234' });
  });

  it('Message.System.send and Message.System.broadcast arrive as system messages', async () => {
    await t.app().post('/user/getToken.json', { userId: 'sdk-s1', name: 'S' }); // broadcasts reach registered users
    expect(await sdk.Message.System.send({ senderId: 'sys', targetId: 'sdk-s1', objectName: 'RC:TxtMsg', content: { content: 'sys' } })).toMatchObject({ code: 200 });
    expect(await sdk.Message.System.broadcast({ senderId: 'sys', objectName: 'RC:TxtMsg', content: { content: 'all' } })).toMatchObject({ code: 200 });
    await t.deps.broadcasts.settle();
    const device = await connectDevice(t, t.app(), 'sdk-s1');
    expect(device.messages.map((m) => [m.conversationType, JSON.parse(m.content) as unknown])).toEqual([
      [6, { content: 'sys' }],
      [6, { content: 'all' }],
    ]);
  });
});
