import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeClientFrame } from '../../src/gateway/rongcloud/frames.js';
import { decodeMessage, encodeMessage } from '../../src/gateway/rongcloud/schema.js';
import { connectDevice, settle } from '../helpers/device.js';
import { RongCloudTestClient } from '../helpers/rongcloud-client.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** RongCloud's client protocol at the frame level: navigation, connect, kicks, broken frames. */
let t: TestServer;
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true } }, { features: { offlineMessageCap: 2 } }], logger, rongCloud: { pullPageSize: 3 } });
});
afterAll(async () => {
  await t?.close();
});

async function token(userId: string): Promise<string> {
  const { body } = await t.app().post('/user/getToken.json', { userId, name: `name-${userId}` });
  return String(body.token);
}

async function connect(userId: string) {
  const { client, connack } = await RongCloudTestClient.connect(t.baseUrl, t.app().appKey, await token(userId));
  expect(connack).toMatchObject({ status: 0, userId });
  return client;
}

const text = (content: string) => encodeMessage('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: JSON.stringify({ content }) });

describe('RongCloud navigation', () => {
  it('names this host as the WebSocket server, for pages of any origin', async () => {
    const preflight = await fetch(`${t.baseUrl}/v2/navi.json?cloud=0`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'rc-appkey,rc-negotiate,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/RC-Appkey/i);
    const response = await fetch(`${t.baseUrl}/v2/navi.json?cloud=0`, {
      method: 'POST',
      headers: { Origin: 'http://app.example', 'RC-Appkey': t.app().appKey, 'Content-Type': 'Application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(await token('nav'))}&v=5.38.0&platfrom=browser`,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://app.example');
    const host = new URL(t.baseUrl).host;
    expect(await response.json()).toMatchObject({ code: 200, userId: 'nav', serverAddr: [{ addr: host, protocol: 5, weight: 1 }] });
  });

  it('answers the older script form, wrapped in the callback', async () => {
    const response = await fetch(`${t.baseUrl}/navi.js?appId=${t.app().appKey}&token=${encodeURIComponent(await token('nav'))}&callBack=x&v=5.38.0`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^x\(\{"code":200,"userId":"nav",.*\}\);$/);
  });

  it('refuses a bad token or a token of another app with 401', async () => {
    for (const [appKey, tok] of [[t.app().appKey, 'forged.token'], ['another-app', await token('nav')]]) {
      const response = await fetch(`${t.baseUrl}/v2/navi.json`, { method: 'POST', headers: { 'RC-Appkey': appKey!, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(tok!)}` });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ code: 401 });
    }
  });
});

describe('RongCloud connection', () => {
  it('connects with a Parley token and answers pings', async () => {
    const client = await connect('ping-user');
    client.sendRaw(encodeClientFrame({ kind: 'ping' }));
    await client.next((f) => f.kind === 'pong');
    client.close();
  });

  it('refuses a bad token (status 4, SDK code 31004) and a banned user (status 9, 31009)', async () => {
    const bad = await RongCloudTestClient.connect(t.baseUrl, t.app().appKey, 'forged.token');
    expect(bad.connack.status).toBe(4);
    expect((await bad.client.closed).code).toBe(4001);
    await token('banned');
    expect((await t.app().post('/user/block.json', { userId: 'banned', minute: 10 })).body.code).toBe(200);
    const banned = await RongCloudTestClient.connect(t.baseUrl, t.app().appKey, await token('banned'));
    expect(banned.connack.status).toBe(9);
  });

  it('answers a RongCloud topic Parley does not serve with 34022 and stays open', async () => {
    const client = await connect('unsupported');
    expect(await client.query('pullUS', 'unsupported', new Uint8Array(0))).toMatchObject({ status: 34022 });
    client.sendRaw(encodeClientFrame({ kind: 'ping' }));
    await client.next((f) => f.kind === 'pong');
    client.close();
  });

  it('syncs the inbox by seq: a notice, then a pull; the next pull from there brings nothing again', async () => {
    const reader = await connect('reader');
    const first = decodeMessage('DownStreamMessages', (await reader.query('pullMsg', 'reader', encodeMessage('SyncRequestMsg', { syncTime: 0, ispolling: false }))).payload);
    expect(first).toMatchObject({ ok: true, value: { list: [], finished: true } });
    const writer = await connect('writer');
    expect(await writer.publish('ppMsgP', 'reader', text('one'))).toMatchObject({ status: 0, messageUId: expect.any(String) });
    const notice = await reader.next((f) => f.kind === 'publish' && f.topic === 's_ntf');
    expect(decodeMessage('NotifyMsg', (notice as { payload: Uint8Array }).payload)).toMatchObject({ ok: true, value: { type: 1 } });
    const pulled = decodeMessage('DownStreamMessages', (await reader.query('pullMsg', 'reader', encodeMessage('SyncRequestMsg', { syncTime: first.ok ? first.value.syncTime : 0, ispolling: false }))).payload);
    expect(pulled).toMatchObject({ ok: true, value: { list: [{ fromUserId: 'writer', type: 1, classname: 'RC:TxtMsg', direction: 2 }] } });
    const again = decodeMessage('DownStreamMessages', (await reader.query('pullMsg', 'reader', encodeMessage('SyncRequestMsg', { syncTime: pulled.ok ? pulled.value.syncTime : 0, ispolling: false }))).payload);
    expect(again).toMatchObject({ ok: true, value: { list: [] } });
    reader.close();
    writer.close();
  });

  it('acks to the inbox what the SDK says it holds when it pulls, soon after (once per burst) and at close', async () => {
    const deviceId = 'acking-device';
    const cursor = () => t.deps.inbox.cursor(t.app().appKey, 'acker', deviceId);
    const pull = async (client: RongCloudTestClient, syncTime: number) => {
      const answer = decodeMessage('DownStreamMessages', (await client.query('pullMsg', 'acker', encodeMessage('SyncRequestMsg', { syncTime, ispolling: false }))).payload);
      if (!answer.ok) throw new Error(answer.reason);
      return answer.value.syncTime;
    };
    const writer = await connect('acker-writer');
    for (const n of ['one', 'two']) expect(await writer.publish('ppMsgP', 'acker', text(n))).toMatchObject({ status: 0 });
    const { client: reader } = await RongCloudTestClient.connect(t.baseUrl, t.app().appKey, await token('acker'), deviceId);
    // Seqs are the inbox's (they need not start at 1): the first pull brings both messages.
    const held = await pull(reader, 0);
    await pull(reader, held - 1);
    await pull(reader, held);
    await expect.poll(cursor, { timeout: 2_000 }).toBe(held);

    expect(await writer.publish('ppMsgP', 'acker', text('three'))).toMatchObject({ status: 0 });
    const later = await pull(reader, held);
    await pull(reader, later);
    expect(later).toBe(held + 1);
    reader.close();
    await expect.poll(cursor, { timeout: 2_000 }).toBe(later);
    writer.close();
  });

  it('answers a pull of the entries pushed live since the last one from those, without reading the inbox again', async () => {
    const pull = async (client: RongCloudTestClient, syncTime: number) => {
      const answer = decodeMessage('DownStreamMessages', (await client.query('pullMsg', 'live-reader', encodeMessage('SyncRequestMsg', { syncTime, ispolling: false }))).payload);
      if (!answer.ok) throw new Error(answer.reason);
      return { syncTime: answer.value.syncTime, contents: answer.value.list.map((m) => (JSON.parse(m.content) as { content: string }).content) };
    };
    const reader = await connect('live-reader');
    const writer = await connect('live-writer');
    const before = await pull(reader, 0);
    for (const n of ['one', 'two']) expect(await writer.publish('ppMsgP', 'live-reader', text(n))).toMatchObject({ status: 0 });
    await reader.next((f) => f.kind === 'publish' && f.topic === 's_ntf');
    await settle(200); // both pushed live
    // The inbox loses its entries (as when Redis restarts empty): an inbox read would answer a new epoch with nothing.
    await t.deps.inbox.drop(t.app().appKey, 'live-reader');
    expect(await pull(reader, before.syncTime)).toEqual({ syncTime: before.syncTime + 2, contents: ['one', 'two'] });
    reader.close();
    writer.close();
  });

  it('answers a long inbox page by page (`finished` false until the last), in order, none twice', async () => {
    const { body } = await t.app().post('/user/getToken.json', { userId: 'long-reader' });
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      await t.app().post('/message/private/publish.json', { fromUserId: 'long-writer', toUserId: 'long-reader', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `m${n}` }) });
    }
    const { client } = await RongCloudTestClient.connect(t.baseUrl, t.app().appKey, String(body.token));
    const pages: Array<{ contents: string[]; finished: boolean | undefined }> = [];
    let syncTime = 0;
    do {
      const pulled = decodeMessage('DownStreamMessages', (await client.query('pullMsg', 'long-reader', encodeMessage('SyncRequestMsg', { syncTime, ispolling: false }))).payload);
      if (!pulled.ok) throw new Error(pulled.reason);
      pages.push({ contents: pulled.value.list.map((m) => (JSON.parse(m.content) as { content: string }).content), finished: pulled.value.finished });
      syncTime = pulled.value.syncTime;
    } while (!pages.at(-1)!.finished);
    expect(pages).toEqual([
      { contents: ['m1', 'm2', 'm3'], finished: false },
      { contents: ['m4', 'm5', 'm6'], finished: false },
      { contents: ['m7'], finished: true },
    ]);
    client.close();
  });

  it('sends to an ultra group (ugMsg): members on the Parley protocol get it, and it is in the channel history (qryUgMsg)', async () => {
    expect((await t.app().post('/ultragroup/create.json', { userId: 'ug-owner', groupId: 'ug1', groupName: 'ug' })).body.code).toBe(200);
    expect((await t.app().post('/ultragroup/join.json', { userId: 'ug-member', groupId: 'ug1' })).body.code).toBe(200);
    const [sender, member] = await Promise.all([connect('ug-owner'), connectDevice(t, t.app(), 'ug-member')]);
    const ack = await sender.publish('ugMsg', 'ug1', text('to everyone'));
    expect(ack).toMatchObject({ status: 0 });
    const [got] = await member.received(1);
    expect(got).toMatchObject({ conversationType: 10, targetId: 'ug1', senderUserId: 'ug-owner', messageUId: ack.messageUId });
    const history = decodeMessage('HistoryMsgOuput', (await sender.query('qryUgMsg', 'ug-owner', encodeMessage('HistoryMsgInput', { targetId: 'ug1', time: 0, count: 10, order: 0 }))).payload);
    expect(history).toMatchObject({ ok: true, value: { list: [{ msgId: ack.messageUId, type: 10, groupId: 'ug1', fromUserId: 'ug-owner', direction: 1 }], hasMsg: 0 } });
    sender.close();
    await member.close();
  });

  it('refuses a send the core refuses with its RongCloud code, and stays open', async () => {
    const outsider = await connect('outsider');
    expect(await outsider.publish('pgMsgP', 'no-such-group', text('hello?'))).toMatchObject({ status: 25410 });
    expect(await outsider.publish('ppMsgP', 'someone', encodeMessage('UpStreamMessage', { sessionId: 3, classname: 'RC:RcCmd', content: '{}' }))).toMatchObject({ status: 1002 });
    outsider.close();
  });

  it('names a gap when entries the device was owed were trimmed, and logs it', async () => {
    const capped = t.app(1);
    const { body } = await capped.post('/user/getToken.json', { userId: 'late' });
    for (const n of [1, 2, 3, 4, 5]) {
      await capped.post('/message/private/publish.json', { fromUserId: 'early', toUserId: 'late', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `m${n}` }) });
    }
    const { client } = await RongCloudTestClient.connect(t.baseUrl, capped.appKey, String(body.token));
    const before = logs.length;
    const pulled = decodeMessage('DownStreamMessages', (await client.query('pullMsg', 'late', encodeMessage('SyncRequestMsg', { syncTime: 0, ispolling: false }))).payload);
    expect(pulled.ok).toBe(true);
    if (!pulled.ok) return;
    expect(pulled.value.list.map((m) => JSON.parse(m.content) as unknown)).toEqual([{ content: 'm4' }, { content: 'm5' }]);
    // The SDK does not read these fields; they say from which seq the stream is complete.
    expect(pulled.value.credibleEndTime).toBe(pulled.value.syncTime);
    expect(pulled.value.credibleStartTime).toBe(pulled.value.syncTime - 1);
    expect(logs.slice(before).find((l) => l.userId === 'late' && l.gap)).toMatchObject({ gap: { reason: 'cap', fromSeq: pulled.value.syncTime - 4, toSeq: pulled.value.syncTime - 2 } });
    client.close();
  });

  it('turns kicks into RongCloud disconnect statuses: another web login (1), revoked tokens (7)', async () => {
    const first = await connect('twice');
    await connect('twice');
    expect(await first.next((f) => f.kind === 'disconnect')).toEqual({ kind: 'disconnect', status: 1 });
    expect((await first.closed).code).toBe(4002);
    const current = await RongCloudTestClient.connect(t.baseUrl, t.app().appKey, await token('revoked'));
    expect((await t.app().post('/user/token/expire.json', { userId: 'revoked', time: Date.now() + 1000 })).body.code).toBe(200);
    expect(await current.client.next((f) => f.kind === 'disconnect')).toEqual({ kind: 'disconnect', status: 7 });
  });
});

describe('RongCloud sessions when a node stops', () => {
  it('are told "redirected" (status 6), on which the SDK reconnects at once', async () => {
    const own = await startServer();
    const { body } = await own.app().post('/user/getToken.json', { userId: 'leaving' });
    const { client } = await RongCloudTestClient.connect(own.baseUrl, own.app().appKey, String(body.token));
    await own.close();
    expect(await client.next((f) => f.kind === 'disconnect')).toEqual({ kind: 'disconnect', status: 6 });
    expect((await client.closed).code).toBe(4003);
  });
});

describe('RongCloud frames that break the protocol', () => {
  const broken: Array<[string, () => Uint8Array | string]> = [
    ['a truncated header', () => Uint8Array.of(0x32, 0, 9, 0x70)],
    ['an unknown topic', () => encodeClientFrame({ kind: 'publish', qos: 1, topic: 'stealSecrets', targetId: 'peer', messageId: 1, payload: text('x') })],
    ['a protobuf that does not decode', () => encodeClientFrame({ kind: 'publish', qos: 1, topic: 'ppMsgP', targetId: 'peer', messageId: 1, payload: Uint8Array.of(0x0a, 0xff, 0xff, 0x01) })],
    ['a 10 MB frame', () => encodeClientFrame({ kind: 'publish', qos: 1, topic: 'ppMsgP', targetId: 'peer', messageId: 1, payload: new Uint8Array(10 * 1024 * 1024) })],
    ['a text frame', () => 'hello'],
  ];

  it.each(broken)('%s closes that connection with a logged reason; other sessions go on; nothing is written', async (name, frame) => {
    const userId = `bad-${name.replace(/\W/g, '')}`;
    const [bystander, peer] = await Promise.all([connect(`${userId}-by`), connectDevice(t, t.app(), 'peer')]);
    const bad = await connect(userId);
    const before = logs.length;
    bad.socket.send(frame());
    const { code } = await bad.closed;
    expect([1002, 1009]).toContain(code);
    await expect.poll(() => logs.slice(before).find((l) => l.userId === userId && /closing/.test(String(l.msg)))).toMatchObject({ level: 30 });
    // The bystander still sends and the peer still receives; the broken frame delivered nothing.
    expect(await bystander.publish('ppMsgP', 'peer', text('still here'))).toMatchObject({ status: 0 });
    await settle(200);
    expect(peer.messages.map((m) => [m.senderUserId, m.content])).toEqual([[`${userId}-by`, JSON.stringify({ content: 'still here' })]]);
    const history = (targetId: string) => t.app().post('/v3/message/private/query.json', { userId: 'peer', targetId, startTime: 0, endTime: Date.now() + 1000 }, { json: true });
    expect((await history(userId)).body).toEqual({ code: 200, data: [] });
    expect((await history(`${userId}-by`)).body).toMatchObject({ code: 200, data: [expect.anything()] });
    bystander.close();
    await peer.close();
  });
});
