import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackReceiver, signatureIsValid, type ReceivedCallback } from '../helpers/callback-receiver.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';
import { messageUIdTime } from '../../src/core/message-uid.js';

/**
 * The post-send routing callback (docs/callbacks.md), end to end: real devices and REST
 * sends, a real HTTP receiver on loopback, the feed read back through /events/pull.json.
 */
const plain = new CallbackReceiver();
const everything = new CallbackReceiver();
const hanging = new CallbackReceiver();
const giveUp = new CallbackReceiver();
const expanding = new CallbackReceiver();
const draining = new CallbackReceiver();
let t: TestServer;
let app: TestApp;
let all: TestApp;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (content: string) => ({ conversationType: 1, objectName: 'RC:TxtMsg', content: { content } });

interface PulledEvent {
  id: number;
  kind: string;
  time: number;
  delivery: { state: string; attempts: number; lastError: string; deliveredAt: number };
  data: Record<string, string>;
}

async function pull(on: TestApp, after: number, limit = 1000): Promise<{ events: PulledEvent[]; cursor: number }> {
  const res = await on.post('/events/pull.json', { after, limit });
  expect(res.body.code, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as { events: PulledEvent[]; cursor: number };
}

/** Pulls until `done` holds of the events after `after` (a pull leaves out the last second's). */
async function pullUntil(on: TestApp, after: number, done: (events: PulledEvent[]) => boolean): Promise<PulledEvent[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { events } = await pull(on, after);
    if (done(events)) return events;
    if (Date.now() > deadline) throw new Error(`pull never got there: ${JSON.stringify(events)}`);
    await sleep(200);
  }
}

const uidsOf = (requests: readonly ReceivedCallback[]) => requests.map((r) => r.form.msgUID ?? '');

beforeAll(async () => {
  await Promise.all([plain.up(), everything.up(), hanging.up(), giveUp.up(), expanding.up(), draining.up()]);
  hanging.answer = () => sleep(10_000).then(() => 200);
  giveUp.answer = () => 500;
  t = await startServer({
    apps: [
      { callbacks: { messageRoute: { url: plain.url } } },
      { callbacks: { messageRoute: { url: everything.url, includeServerApi: true, includeStatus: true, includeBlocked: true } } },
      { callbacks: { messageRoute: { url: hanging.url }, timeoutMs: 4_000 } },
      { callbacks: { messageRoute: { url: giveUp.url }, horizonHours: 0.001 } },
      { callbacks: { messageRoute: { url: expanding.url } }, features: { historyPrivateGroup: true } },
      { callbacks: { messageRoute: { url: draining.url, includeServerApi: true } } },
    ],
  });
  app = t.app(0);
  all = t.app(1);
});

afterAll(async () => {
  await t.close();
  await Promise.all([plain.down(), everything.down(), hanging.down(), giveUp.down(), expanding.down(), draining.down()]);
});

describe('post-send routing', () => {
  it('posts a device\'s message once, signed, with RongCloud\'s form fields; server-API sends only when asked', async () => {
    const ann = await t.device(app, 'cb-ann', { platform: 'android' });
    await t.device(app, 'cb-bob');
    await app.post('/message/private/publish.json', { fromUserId: 'cb-ann', toUserId: 'cb-bob', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'from the server' }) });
    const sent = await ann.send({ ...text('hello'), targetId: 'cb-bob' });

    const [callback] = await plain.waitForAccepted(1);
    await sleep(1_500);
    expect(plain.received).toHaveLength(1);
    expect(signatureIsValid(callback!, app.appSecret)).toBe(true);
    expect(signatureIsValid(callback!, 'another secret')).toBe(false);
    expect(Math.abs(Number(callback!.query.get('signTimestamp')) - Date.now())).toBeLessThan(10_000);
    expect(callback!.path).toBe('/callback');
    expect(callback!.query.get('app')).toBe('test');
    expect(callback!.headers['user-agent']).toMatch(/Parley/);
    expect(callback!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(callback!.form).toEqual({
      fromUserId: 'cb-ann',
      toUserId: 'cb-bob',
      objectName: 'RC:TxtMsg',
      content: expect.any(String),
      channelType: 'PERSON',
      msgTimestamp: String(sent.sentTime),
      timestamp: String(sent.sentTime),
      msgUID: sent.messageUId,
      sensitiveType: '0',
      source: 'Android',
      groupUserIds: '',
      busChannel: '',
    });
    expect(JSON.parse(callback!.form.content!)).toEqual({ content: 'hello' });
  });

  it('with the app\'s options: server-API sends, status messages, targeted group messages, recalls, replaced and blocked words', async () => {
    for (const userId of ['cb-cy', 'cb-di', 'cb-ed']) await all.post('/user/getToken.json', { userId, name: userId });
    await all.post('/group/create.json', { userId: ['cb-cy', 'cb-di', 'cb-ed'], groupId: 'cb-group', groupName: 'G' });
    await all.post('/sensitiveword/add.json', { word: 'darn', replaceWord: 'd**n' });
    await all.post('/sensitiveword/add.json', { word: 'evil' });

    const api = await all.post('/message/private/publish.json', { fromUserId: 'cb-cy', toUserId: 'cb-di', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'api' }) });
    const apiUid = (api.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
    await all.post('/statusmessage/private/publish.json', { fromUserId: 'cb-cy', toUserId: 'cb-di', objectName: 'RC:TypSts', content: JSON.stringify({ typingContentType: 'RC:TxtMsg' }) });
    const group = await all.post('/message/group/publish.json', { fromUserId: 'cb-cy', toGroupId: 'cb-group', toUserId: ['cb-di', 'cb-ed'], objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'some of you' }) });
    expect(group.body.code).toBe(200);
    const cy = await t.device(all, 'cb-cy', { platform: 'web' });
    const replaced = await cy.send({ ...text('darn it'), targetId: 'cb-ed' });
    await expect(cy.send({ ...text('evil plan'), targetId: 'cb-ed' })).rejects.toMatchObject({ code: 21501 });
    const recalled = await all.post('/message/recall.json', { fromUserId: 'cb-cy', conversationType: 1, targetId: 'cb-di', messageUID: apiUid, sentTime: messageUIdTime(apiUid) });
    expect(recalled.body.code).toBe(200);

    const got = await everything.waitForAccepted(6);
    // Conversations are delivered side by side: found by what they are, not by arrival.
    const find = (what: Record<string, string>) => {
      const found = got.filter((r) => Object.entries(what).every(([k, v]) => r.form[k] === v));
      expect(found, JSON.stringify(what)).toHaveLength(1);
      return found[0]!.form;
    };
    expect(find({ msgUID: apiUid })).toMatchObject({ fromUserId: 'cb-cy', toUserId: 'cb-di', source: 'Server', channelType: 'PERSON', objectName: 'RC:TxtMsg' });
    expect(find({ objectName: 'RC:TypSts' })).toMatchObject({ source: 'Server', toUserId: 'cb-di' });
    expect(find({ channelType: 'GROUP' })).toMatchObject({ toUserId: 'cb-group', groupUserIds: '[cb-di,cb-ed]', source: 'Server' });
    const replacedCb = find({ msgUID: replaced.messageUId });
    expect(replacedCb).toMatchObject({ sensitiveType: '2', source: 'Websocket', toUserId: 'cb-ed' });
    expect(JSON.parse(replacedCb.content!)).toEqual({ content: 'd**n it' });
    const blocked = find({ sensitiveType: '1' });
    expect(blocked).toMatchObject({ toUserId: 'cb-ed', source: 'Websocket', fromUserId: 'cb-cy' });
    expect(JSON.parse(blocked.content!)).toEqual({ content: 'evil plan' });
    const recall = find({ objectName: 'RC:RcCmd' });
    expect(recall).toMatchObject({ fromUserId: 'cb-cy', toUserId: 'cb-di' });
    expect(JSON.parse(recall.content!)).toMatchObject({ messageUId: apiUid });
    // One conversation's callbacks come in the order sent: the message, its status message, its recall.
    expect(got.filter((r) => r.form.toUserId === 'cb-di').map((r) => r.form.objectName)).toEqual(['RC:TxtMsg', 'RC:TypSts', 'RC:RcCmd']);
    for (const callback of got) expect(signatureIsValid(callback, all.appSecret)).toBe(true);

    const events = await pullUntil(all, 0, (e) => e.length >= 6);
    expect(events.map((e) => e.kind).sort()).toEqual(['message.recalled', 'message.routed', 'message.routed', 'message.routed', 'message.routed', 'message.routed']);
    expect(events.find((e) => e.kind === 'message.recalled')!.data.objectName).toBe('RC:RcCmd');
  });

  it('retries a receiver that answered 500: it gets the message again with the same msgUID', async () => {
    let calls = 0;
    plain.answer = () => (++calls === 1 ? 500 : 200);
    const before = plain.received.length;
    const eve = await t.device(app, 'cb-eve');
    const sent = await eve.send({ ...text('again'), targetId: 'cb-bob' });
    await plain.waitForAccepted(2);
    const mine = plain.received.slice(before);
    expect(mine.map((r) => [r.status, r.form.msgUID])).toEqual([
      [500, sent.messageUId],
      [200, sent.messageUId],
    ]);
    const events = await pullUntil(app, 0, (e) => e.some((x) => x.data.msgUID === sent.messageUId && x.delivery.state === 'delivered'));
    const event = events.find((x) => x.data.msgUID === sent.messageUId)!;
    expect(event.delivery).toMatchObject({ state: 'delivered', attempts: 2, lastError: '' });
    plain.answer = () => 200;
  });

  it('holds everything while the receiver is down and delivers it in order per conversation once it is up', async () => {
    const [fay, gus] = await Promise.all([t.device(app, 'cb-fay'), t.device(app, 'cb-gus')]);
    await plain.down();
    const sentByFay: string[] = [];
    const sentByGus: string[] = [];
    for (let i = 0; i < 5; i++) {
      sentByFay.push((await fay.send({ ...text(`fay ${i}`), targetId: 'cb-hal' })).messageUId);
      sentByGus.push((await gus.send({ ...text(`gus ${i}`), targetId: 'cb-ivy' })).messageUId);
    }
    await sleep(2_500);
    const before = plain.accepted.length;
    await plain.up();
    await plain.waitForAccepted(before + 10, 20_000);
    const arrived = plain.accepted.slice(before);
    const firstSeen = (uids: string[]) => [...new Set(uidsOf(arrived).filter((uid) => uids.includes(uid)))];
    expect(firstSeen(sentByFay)).toEqual(sentByFay);
    expect(firstSeen(sentByGus)).toEqual(sentByGus);
    // Nothing was delivered twice, so the order of arrival is the order of the first sight.
    expect(arrived).toHaveLength(10);
  }, 40_000);

  it('drains a busy conversation\'s backlog at once, not a pass\'s share per poll', async () => {
    const on = t.app(5);
    await draining.down();
    for (let i = 0; i < 100; i++) {
      const res = await on.post('/message/private/publish.json', { fromUserId: 'cb-busy', toUserId: 'cb-reader', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `busy ${i}` }) });
      expect(res.body.code).toBe(200);
    }
    await draining.up();
    const arrived = await draining.waitForAccepted(100, 20_000);
    // A pass takes 20 of a conversation: waiting for the next 1 s poll after each would leave gaps near a second.
    const gaps = arrived.slice(1).map((r, i) => r.at - arrived[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(600);
    expect(arrived.map((r) => JSON.parse(r.form.content!) as unknown)).toEqual(Array.from({ length: 100 }, (_, i) => ({ content: `busy ${i}` })));
  }, 40_000);

  it('a receiver that hangs neither slows sends nor delays another app\'s callbacks; a dead one is given up at the horizon', async () => {
    const slowApp = t.app(2);
    const deadApp = t.app(3);
    const jo = await t.device(slowApp, 'cb-jo');
    const kim = await t.device(deadApp, 'cb-kim');
    const started = Date.now();
    for (let i = 0; i < 5; i++) await jo.send({ ...text(`slow ${i}`), targetId: 'cb-lu' });
    const dead = await kim.send({ ...text('never'), targetId: 'cb-lu' });
    expect(Date.now() - started).toBeLessThan(1_500);

    // The hanging app's first request is in flight now, and stays so for 4 s.
    await sleep(300);
    const before = plain.accepted.length;
    const lia = await t.device(app, 'cb-lia');
    const sentAt = Date.now();
    await lia.send({ ...text('prompt'), targetId: 'cb-max' });
    await plain.waitForAccepted(before + 1);
    expect(Date.now() - sentAt).toBeLessThan(1_500);

    const slow = await pullUntil(slowApp, 0, (e) => e.length === 5 && e[0]!.delivery.attempts >= 1);
    expect(slow[0]!.delivery.lastError).toMatch(/timed out/);
    const given = await pullUntil(deadApp, 0, (e) => e.length === 1 && e[0]!.delivery.state === 'failed');
    expect(given[0]).toMatchObject({ kind: 'message.routed', data: { msgUID: dead.messageUId }, delivery: { state: 'failed', lastError: 'the receiver answered HTTP 500' } });
  }, 40_000);
});

describe('expansion changes', () => {
  it('are routed as RongCloud\'s RC:MsgExMsg, {"clear":0,"put":{…}} or {"clear":0,"del":{…}}, in order, naming the message', async () => {
    const on = t.app(4);
    for (const userId of ['ex-a', 'ex-b']) await on.post('/user/getToken.json', { userId, name: userId });
    const sent = await on.post('/message/private/publish.json', { fromUserId: 'ex-a', toUserId: 'ex-b', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'expand me' }), expansion: true, extraContent: JSON.stringify({ k1: 'v1' }) });
    const uid = (sent.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
    const change = { msgUID: uid, userId: 'ex-a', conversationType: 1, targetId: 'ex-b' };
    expect((await on.post('/message/expansion/set.json', { ...change, extraKeyVal: JSON.stringify({ k2: 'v2' }) })).body.code).toBe(200);
    expect((await on.post('/message/expansion/delete.json', { ...change, extraKey: JSON.stringify(['k1']) })).body.code).toBe(200);

    const [put, del] = await expanding.waitForAccepted(2);
    await sleep(1_000);
    // The message itself is a server-API send: not routed without includeServerApi.
    expect(expanding.received).toHaveLength(2);
    for (const callback of [put!, del!]) {
      expect(callback.form).toMatchObject({ objectName: 'RC:MsgExMsg', fromUserId: 'ex-a', toUserId: 'ex-b', channelType: 'PERSON', originalMsgUID: uid });
      expect(callback.form.msgUID).not.toBe(uid);
      expect(signatureIsValid(callback, on.appSecret)).toBe(true);
    }
    expect(JSON.parse(put!.form.content!)).toEqual({ clear: 0, put: { k2: 'v2' } });
    expect(JSON.parse(del!.form.content!)).toEqual({ clear: 0, del: { k1: '' } });
  });
});

describe('/events/pull.json and /events/replay.json', () => {
  it('pages the app\'s events in order with a cursor, and refuses a limit over 1000', async () => {
    const everything1 = await pullUntil(app, 0, (e) => e.length >= 13);
    const ids = everything1.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const first = await pull(app, 0, 3);
    expect(first.events.map((e) => e.id)).toEqual(ids.slice(0, 3));
    expect(first.cursor).toBe(ids[2]);
    const next = await pull(app, first.cursor, 3);
    expect(next.events.map((e) => e.id)).toEqual(ids.slice(3, 6));
    const end = await pull(app, ids.at(-1)!);
    expect(end).toEqual({ code: 200, events: [], cursor: ids.at(-1) });
    expect((await app.post('/events/pull.json', { after: 0, limit: 1001 })).body.code).toBe(1002);
    expect((await app.post('/events/pull.json', { after: -1 })).body.code).toBe(1002);
    // Another app's events are not in this app's feed.
    const others = await pull(all, 0);
    expect(others.events.map((e) => e.id).filter((id) => ids.includes(id))).toEqual([]);
  });

  it('sends a range again, in order per conversation, with the same msgUIDs', async () => {
    const events = await pullUntil(app, 0, (e) => e.length >= 13 && e.every((x) => x.delivery.state === 'delivered'));
    const range = events.filter((e) => e.data.toUserId === 'cb-hal' || e.data.toUserId === 'cb-ivy');
    expect(range).toHaveLength(10);
    const before = plain.accepted.length;
    const res = await app.post('/events/replay.json', { after: range[0]!.id - 1, until: range.at(-1)!.id });
    expect(res.body).toEqual({ code: 200, replayed: 10 });
    const again = (await plain.waitForAccepted(before + 10)).slice(before);
    for (const peer of ['cb-hal', 'cb-ivy']) {
      expect(uidsOf(again.filter((r) => r.form.toUserId === peer))).toEqual(range.filter((e) => e.data.toUserId === peer).map((e) => e.data.msgUID));
    }
    for (const callback of again) expect(signatureIsValid(callback, app.appSecret)).toBe(true);
    expect((await app.post('/events/replay.json', {})).body.code).toBe(1002);
  });
});
