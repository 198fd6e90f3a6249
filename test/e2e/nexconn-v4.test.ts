import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../src/client/node.js';
import { connectDevice, settle } from '../helpers/device.js';
import { storeDigest } from '../helpers/fuzz.js';
import { signHeaders, startServer, type ApiResponse, type TestApp, type TestServer } from '../helpers/server.js';

/** Nexconn's v4 JSON API (docs/nexconn-v4.md): a translation onto the services v1 calls. */
let t: TestServer;
let app: TestApp;

beforeAll(async () => {
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true, historyChatroom: true } }] });
  app = t.app();
});
afterAll(() => t.close());

const v4 = (path: string, body: Record<string, unknown>) => app.post(path, body as never, { json: true });
const v1 = (path: string, body: Record<string, unknown>) => app.post(path, body as never, { json: true });
/** The result of a v4 success, after checking its envelope. */
const result = (res: ApiResponse) => {
  expect(res).toMatchObject({ status: 200, body: { code: 0, result: expect.any(Object) } });
  return res.body.result as Record<string, unknown>;
};
const ok = (res: ApiResponse) => expect(res.body).toMatchObject({ code: 200 });
const text = (content: string) => ({ content });
const history = async (kind: string, userId: string, targetId: string) => {
  const res = await v1(`/v3/message/${kind}/query.json`, { userId, targetId, startTime: 0, endTime: Date.now() + 1000 });
  ok(res);
  return res.body.data as Array<{ messageUID: string; objectName: string; content: string }>;
};
const digest = () => storeDigest((sql) => t.deps.sql.query(sql));

describe('access tokens', () => {
  it('/v4/auth/access-token/issue gives a token that opens the WebSocket; /expire closes its session and refuses it after', async () => {
    const issued = result(await v4('/v4/auth/access-token/issue', { userId: 'nx-tok', name: 'Tok', avatarUrl: 'https://example.com/a.png' }));
    expect(issued).toEqual({ userId: 'nx-tok', accessToken: expect.any(String) });
    const device = () => new ParleyClient({ url: t.wsUrl, token: String(issued.accessToken), deviceId: 'nx-tok-phone', platform: 'ios', reconnect: false });
    const client = device();
    await client.connect();
    expect(result(await v4('/v4/user/online-status/get', { userId: 'nx-tok' }))).toEqual({ userId: 'nx-tok', status: '1' });
    // The profile is v1's: name and avatarUrl as name and portraitUri.
    expect((await v1('/user/info.json', { userId: 'nx-tok' })).body).toMatchObject({ userName: 'Tok', userPortrait: 'https://example.com/a.png' });

    expect(result(await v4('/v4/auth/access-token/expire', { userIds: ['nx-tok'], expiresAt: Date.now() + 1000 }))).toEqual({});
    await expect.poll(async () => result(await v4('/v4/user/online-status/get', { userId: 'nx-tok' })).status).toBe('0');
    await expect(device().connect()).rejects.toMatchObject({ code: 31004 });
    await client.close();
  });
});

describe('each send path reaches a native device and v1 history', () => {
  it('/v4/direct-channel/message/send', async () => {
    const receiver = await connectDevice(t, app, 'nx-d-b');
    const sent = result(await v4('/v4/direct-channel/message/send', { fromUserId: 'nx-d-a', toUserIds: ['nx-d-b'], messageType: 'RC:TxtMsg', content: text('direct'), pushContent: 'p' }));
    const [messageId] = (sent.messageIds as Array<{ channelId: string; messageId: string }>).map((m) => {
      expect(m.channelId).toBe('nx-d-b');
      return m.messageId;
    });
    const [message] = await receiver.received(1);
    expect(message).toMatchObject({ messageUId: messageId, conversationType: 1, targetId: 'nx-d-a', objectName: 'RC:TxtMsg', content: JSON.stringify(text('direct')), pushContent: 'p' });
    expect((await history('private', 'nx-d-b', 'nx-d-a')).map((m) => m.messageUID)).toEqual([messageId]);
    await receiver.close();
  });

  it('/v4/group-channel/message/send', async () => {
    ok(await v1('/group/create.json', { userId: ['nx-g-a', 'nx-g-b'], groupId: 'nx-group', groupName: 'G' }));
    const member = await connectDevice(t, app, 'nx-g-b');
    const sent = result(await v4('/v4/group-channel/message/send', { fromUserId: 'nx-g-a', toChannelIds: ['nx-group'], messageType: 'RC:TxtMsg', content: text('group') }));
    expect(sent.messageIds).toEqual([{ channelId: 'nx-group', messageId: expect.any(String) }]);
    const messageId = (sent.messageIds as Array<{ messageId: string }>)[0]!.messageId;
    expect((await member.received(1))[0]).toMatchObject({ messageUId: messageId, conversationType: 3, targetId: 'nx-group', senderUserId: 'nx-g-a' });
    expect((await history('group', 'nx-g-b', 'nx-group')).map((m) => m.messageUID)).toEqual([messageId]);
    await member.close();
  });

  it('/v4/open-channel/message/send and /broadcast', async () => {
    ok(await v1('/chatroom/create.json', { 'chatroom[nx-room]': 'R' }));
    const member = await connectDevice(t, app, 'nx-o-b');
    await member.client.request('chatroom.join', { chatroomId: 'nx-room' });
    // v1's rule: a server-API chatroom message is kept in history only when echoed to its sender.
    const sent = result(await v4('/v4/open-channel/message/send', { fromUserId: 'nx-o-a', toChannelIds: ['nx-room'], messageType: 'RC:TxtMsg', content: text('open'), priority: 1, isEchoToSender: true }));
    expect(sent.messageIds).toEqual([{ channelId: 'nx-room', messageId: expect.any(String) }]);
    const messageId = (sent.messageIds as Array<{ messageId: string }>)[0]!.messageId;
    expect((await member.received(1))[0]).toMatchObject({ messageUId: messageId, conversationType: 4, targetId: 'nx-room' });
    expect((await history('chatroom', 'nx-o-b', 'nx-room')).map((m) => m.messageUID)).toEqual([messageId]);

    const broadcast = result(await v4('/v4/open-channel/message/broadcast', { fromUserId: 'nx-o-a', messageType: 'RC:TxtMsg', content: text('everywhere') }));
    expect((await member.received(2))[1]).toMatchObject({ messageUId: broadcast.messageId, conversationType: 4, targetId: 'nx-room' });
    await member.close();
  });

  it('/v4/community-channel/message/send', async () => {
    ok(await v1('/ultragroup/create.json', { userId: 'nx-c-a', groupId: 'nx-community', groupName: 'C' }));
    ok(await v1('/ultragroup/join.json', { userId: 'nx-c-b', groupId: 'nx-community' }));
    const member = await connectDevice(t, app, 'nx-c-b');
    const sent = result(await v4('/v4/community-channel/message/send', { fromUserId: 'nx-c-a', toChannelIds: ['nx-community'], messageType: 'RC:TxtMsg', content: text('community') }));
    expect(sent.messageIds).toEqual([{ channelId: 'nx-community', messageId: expect.any(String) }]);
    const messageId = (sent.messageIds as Array<{ messageId: string }>)[0]!.messageId;
    expect((await member.received(1))[0]).toMatchObject({ messageUId: messageId, conversationType: 10, targetId: 'nx-community' });
    expect((await history('ultragroup', 'nx-c-b', 'nx-community')).map((m) => m.messageUID)).toEqual([messageId]);
    await member.close();
  });
});

describe('sender echo, recall and metadata', () => {
  it('isEchoToSender sends the message to the sender\'s devices too; without it they get nothing', async () => {
    const sender = await connectDevice(t, app, 'nx-e-a');
    const send = (extra: Record<string, unknown>) =>
      v4('/v4/direct-channel/message/send', { fromUserId: 'nx-e-a', toUserIds: ['nx-e-b'], messageType: 'RC:TxtMsg', content: text('echo'), ...extra });
    result(await send({}));
    await settle();
    expect(sender.messages).toEqual([]);
    const echoed = result(await send({ isEchoToSender: true }));
    const [echo] = await sender.received(1);
    expect(echo).toMatchObject({ messageUId: (echoed.messageIds as Array<{ messageId: string }>)[0]!.messageId, targetId: 'nx-e-b', senderUserId: 'nx-e-a' });
    await sender.close();
  });

  it('/v4/message/delete recalls: the receiver gets RC:RcCmd, v1 history shows the recall', async () => {
    const receiver = await connectDevice(t, app, 'nx-r-b');
    const sent = result(await v4('/v4/direct-channel/message/send', { fromUserId: 'nx-r-a', toUserIds: ['nx-r-b'], messageType: 'RC:TxtMsg', content: text('oops') }));
    const messageId = (sent.messageIds as Array<{ messageId: string }>)[0]!.messageId;
    await receiver.received(1);
    // A wrong channel is refused (v1's recall rule), nothing recalled.
    const wrong = await v4('/v4/message/delete', { fromUserId: 'nx-r-a', channelType: 'direct', channelId: 'nx-r-c', messageId });
    expect(wrong).toMatchObject({ status: 404, body: { code: 25101, errorMessage: expect.any(String) } });
    // channelType as the number Nexconn's payloads carry (1: direct).
    expect(result(await v4('/v4/message/delete', { fromUserId: 'nx-r-a', channelType: 1, channelId: 'nx-r-b', messageId }))).toEqual({});
    const [, command] = await receiver.received(2);
    expect(command).toMatchObject({ objectName: 'RC:RcCmd', targetId: 'nx-r-a' });
    expect(JSON.parse(command!.content)).toMatchObject({ messageUId: messageId });
    expect((await history('private', 'nx-r-b', 'nx-r-a')).map((m) => m.objectName)).toEqual(['RC:RcNtf']);
    await receiver.close();
  });

  it('metadata sent with a message, then set, deleted and listed per channel type', async () => {
    const sent = result(await v4('/v4/direct-channel/message/send', { fromUserId: 'nx-m-a', toUserIds: ['nx-m-b'], messageType: 'RC:TxtMsg', content: text('m'), hasMetadata: true, metadata: { color: 'red' } }));
    const messageId = (sent.messageIds as Array<{ messageId: string }>)[0]!.messageId;
    const base = '/v4/direct-channel/message/metadata';
    expect(result(await v4(`${base}/list`, { messageId }))).toEqual({ metadata: { color: 'red' } });
    result(await v4(`${base}/set`, { messageId, userId: 'nx-m-b', channelId: 'nx-m-a', metadata: { size: 'L' } }));
    result(await v4(`${base}/delete`, { messageId, userId: 'nx-m-b', channelId: 'nx-m-a', keys: ['color'] }));
    expect(result(await v4(`${base}/list`, { messageId }))).toEqual({ metadata: { size: 'L' } });
    // Another conversation than the message's: refused by v1's rule.
    expect((await v4(`${base}/set`, { messageId, userId: 'nx-m-b', channelId: 'nx-m-x', metadata: { size: 'S' } })).status).toBe(404);
    // Metadata on a message sent without it is refused, nothing sent.
    const refused = await v4('/v4/direct-channel/message/send', { fromUserId: 'nx-m-a', toUserIds: ['nx-m-b'], messageType: 'RC:TxtMsg', content: text('m'), hasMetadata: false, metadata: { a: 'b' } });
    expect(refused).toMatchObject({ status: 400, body: { code: 1002, errorMessage: expect.stringContaining('hasMetadata') } });
  });

  it('/v4/open-channel/metadata/batch/set|get|remove; removing a key not set removes nothing', async () => {
    ok(await v1('/chatroom/create.json', { 'chatroom[nx-kv]': 'R' }));
    result(await v4('/v4/open-channel/metadata/batch/set', { channelId: 'nx-kv', userId: 'nx-kv-a', metadata: { topic: 'news', mode: 'open' } }));
    const read = result(await v4('/v4/open-channel/metadata/batch/get', { channelId: 'nx-kv' }));
    expect(read.metadata).toEqual({ topic: 'news', mode: 'open' });
    expect(read.entries).toContainEqual({ key: 'topic', value: 'news', userId: 'nx-kv-a', autoDelete: false, updatedAt: expect.any(Number) });
    const missing = await v4('/v4/open-channel/metadata/batch/remove', { channelId: 'nx-kv', userId: 'nx-kv-a', keys: ['topic', 'nope'] });
    expect(missing).toMatchObject({ status: 404, body: { code: 23427 } });
    result(await v4('/v4/open-channel/metadata/batch/remove', { channelId: 'nx-kv', userId: 'nx-kv-a', keys: ['topic'] }));
    expect(result(await v4('/v4/open-channel/metadata/batch/get', { channelId: 'nx-kv' })).metadata).toEqual({ mode: 'open' });
  });

  it('/v4/user/blocklist/add|list|remove is v1\'s blocklist: with verifyBlocklist a blocked sender\'s message is not delivered', async () => {
    result(await v4('/v4/user/blocklist/add', { userId: 'nx-bl-b', targetUserIds: ['nx-bl-a', 'nx-bl-c'] }));
    expect(result(await v4('/v4/user/blocklist/list', { userId: 'nx-bl-b' })).userIds).toEqual(['nx-bl-a', 'nx-bl-c']);
    expect(((await v1('/user/blacklist/query.json', { userId: 'nx-bl-b' })).body.users as string[]).sort()).toEqual(['nx-bl-a', 'nx-bl-c']);
    const receiver = await connectDevice(t, app, 'nx-bl-b');
    const send = (extra: Record<string, unknown>) => v4('/v4/direct-channel/message/send', { fromUserId: 'nx-bl-a', toUserIds: ['nx-bl-b'], messageType: 'RC:TxtMsg', content: text('hi'), ...extra });
    result(await send({ verifyBlocklist: true }));
    result(await send({ verifyBlacklist: 1 }));
    await settle();
    expect(receiver.messages).toEqual([]);
    result(await send({}));
    await receiver.received(1);
    await receiver.close();
    result(await v4('/v4/user/blocklist/remove', { userId: 'nx-bl-b', targetUserIds: ['nx-bl-a'] }));
    expect(result(await v4('/v4/user/blocklist/list', { userId: 'nx-bl-b' })).userIds).toEqual(['nx-bl-c']);
  });
});

describe('refusals in v4\'s shape: HTTP status and {code, errorMessage}, nothing written', () => {
  it('bad input is 400 with code 1002 naming the v4 field; the receiver gets nothing', async () => {
    const receiver = await connectDevice(t, app, 'nx-bad-b');
    const before = await digest();
    const bodies = [
      { fromUserId: 'nx-bad-a', toUserIds: ['nx-bad-b'], content: text('x') },
      { fromUserId: 'nx-bad-a', toUserIds: ['nx-bad-b'], messageType: 'RC:TxtMsg', content: text('x'), shouldPersist: 'maybe' },
      { fromUserId: 'nx-bad-a', toUserIds: [], messageType: 'RC:TxtMsg', content: text('x') },
    ];
    for (const body of bodies) {
      const res = await v4('/v4/direct-channel/message/send', body);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body).sort()).toEqual(['code', 'errorMessage']);
      expect(res.body.code).toBe(1002);
    }
    expect((await v4('/v4/direct-channel/message/send', { fromUserId: 'nx-bad-a', toUserIds: ['nx-bad-b'], content: text('x') })).body.errorMessage).toContain('messageType');
    expect((await v4('/v4/message/delete', { fromUserId: 'nx-bad-a', channelType: 'private', channelId: 'nx-bad-b', messageId: 'x' })).body.code).toBe(1002);
    expect(await digest()).toBe(before);
    await settle();
    expect(receiver.messages).toEqual([]);
    await receiver.close();
  });

  it('a bad signature is 401 with code 1004; nothing is sent or written', async () => {
    const receiver = await connectDevice(t, app, 'nx-sig-b');
    const before = await digest();
    const body = JSON.stringify({ fromUserId: 'nx-sig-a', toUserIds: ['nx-sig-b'], messageType: 'RC:TxtMsg', content: text('x') });
    const headers = { ...signHeaders({ appKey: app.appKey, appSecret: 'not-the-secret' }), 'Content-Type': 'application/json' };
    const res = await fetch(`${t.baseUrl}/v4/direct-channel/message/send`, { method: 'POST', headers, body });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 1004, errorMessage: expect.any(String) });
    const unsigned = await fetch(`${t.baseUrl}/v4/auth/access-token/issue`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId: 'nx-sig-new' }) });
    expect(unsigned.status).toBe(401);
    expect(await digest()).toBe(before);
    await settle();
    expect(receiver.messages).toEqual([]);
    await receiver.close();
  });
});

describe('the OpenAPI document', () => {
  it('describes every /v4 route with its JSON body and the {code:0,result} answer', async () => {
    type Operation = { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> };
    const doc = (await (await fetch(`${t.baseUrl}/openapi.json`)).json()) as { paths: Record<string, { post?: Operation }> };
    // Every Nexconn route registered is documented (Tencent IM's /v4/<service>/<command> are checked in its own tests).
    const nexconnPaths = t.server.http.routeCatalog.filter((route) => route.path.startsWith('/v4/')).map((route) => route.path);
    expect(nexconnPaths).toEqual(expect.arrayContaining(['/v4/direct-channel/message/send', '/v4/message/delete', '/v4/open-channel/metadata/batch/remove', '/v4/community-channel/message/metadata/list']));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(nexconnPaths));
    const send = doc.paths['/v4/direct-channel/message/send']!.post!;
    expect(Object.keys(send.requestBody.content)).toEqual(['application/json']);
    expect(Object.keys(send.requestBody.content['application/json']!.schema.properties)).toEqual(expect.arrayContaining(['toUserIds', 'messageType', 'isEchoToSender', 'shouldPersist', 'metadata']));
    expect(send.responses['200']!.content['application/json']!.schema.properties).toMatchObject({ code: { enum: [0] }, result: expect.any(Object) });
  });
});
