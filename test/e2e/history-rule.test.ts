import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

/** The history column of the delivery table for private, system and status messages. */
let t: TestServer;
let kept: TestApp;
let off: TestApp;

beforeAll(async () => {
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true } }, {}] });
  [kept, off] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

const rows = async (app: TestApp, messageUId: string) =>
  (await t.deps.sql.query<{ sender_visible: boolean; conversation_key: string; conversation_type: number }>(
    'SELECT sender_visible, conversation_key, conversation_type FROM messages WHERE app_key = $1 AND message_uid = $2',
    [app.appKey, messageUId],
  )).rows;
const uidOf = (body: Record<string, unknown>) => (body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
const send = (app: TestApp, extra: Record<string, string | number> = {}, path = '/message/private/publish.json') =>
  app.post(path, { fromUserId: 'hs', toUserId: 'hr', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'h' }), ...extra });

describe('history rows', () => {
  it('a server-API message is one row, hidden from the sender\'s history unless echoed', async () => {
    const plain = await send(kept);
    expect(await rows(kept, uidOf(plain.body))).toEqual([{ sender_visible: false, conversation_key: 'hr:hs', conversation_type: 1 }]);
    const echoed = await send(kept, { isIncludeSender: 1 });
    expect(await rows(kept, uidOf(echoed.body))).toEqual([{ sender_visible: true, conversation_key: 'hr:hs', conversation_type: 1 }]);
  });

  it('a device\'s own send is always in its sender\'s history', async () => {
    const device = await connectDevice(t, kept, 'hdev');
    const result = await device.client.request<{ messageUId: string }>('send', { conversationType: 1, targetId: 'hr', objectName: 'RC:TxtMsg', content: { content: 'x' } });
    expect(await rows(kept, result.messageUId)).toEqual([{ sender_visible: true, conversation_key: 'hdev:hr', conversation_type: 1 }]);
  });

  it('system messages are kept as type 6', async () => {
    const res = await send(kept, {}, '/message/system/publish.json');
    expect(await rows(kept, uidOf(res.body))).toMatchObject([{ conversation_type: 6 }]);
  });

  it('status messages, not-stored types and isPersisted=0 are never written', async () => {
    const status = await send(kept, { objectName: 'RC:TypSts', content: JSON.stringify({ typingContentType: 'x' }) }, '/statusmessage/private/publish.json');
    const command = await send(kept, { objectName: 'RC:CmdMsg', content: JSON.stringify({ name: 'x' }) });
    const unpersisted = await send(kept, { isPersisted: 0 });
    for (const res of [status, command, unpersisted]) expect(await rows(kept, uidOf(res.body))).toEqual([]);
  });

  it('nothing is written when the app keeps no history', async () => {
    const res = await send(off, { isIncludeSender: 1 });
    expect(res.body.code).toBe(200);
    expect(await rows(off, uidOf(res.body))).toEqual([]);
  });
});
