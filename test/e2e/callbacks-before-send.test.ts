import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackReceiver, signatureIsValid, type CallbackAnswer, type ReceivedCallback } from '../helpers/callback-receiver.js';
import { connectDevice, settle, type Device } from '../helpers/device.js';
import { startServer, type FormBody, type TestApp, type TestServer } from '../helpers/server.js';

/**
 * The pre-send callback (docs/callbacks.md "Pre-send moderation"), end to end: real devices
 * and REST sends, a real HTTP moderation service on loopback that lets messages through,
 * refuses them or rewrites them, and the routing callback that records its decision.
 */
const moderator = new CallbackReceiver();
const route = new CallbackReceiver();
const strictModerator = new CallbackReceiver();
let t: TestServer;
let app: TestApp;
let strict: TestApp;
let withServerApi: TestApp;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const txt = (content: string) => JSON.stringify({ content });
const decide = (decision: Record<string, unknown>): CallbackAnswer => ({ status: 200, body: JSON.stringify(decision) });
/** What the moderator answers, by the text of the message it is asked about. */
const decisions = new Map<string, CallbackAnswer | 'hang' | number>();
/** The text a request asks about: a text message's `content`, or the whole content of another type. */
const textOf = (request: Pick<ReceivedCallback, 'json'>): string => {
  const content = (request.json as { content: string }).content;
  return (JSON.parse(content) as { content?: string }).content ?? content;
};
const askedAbout = (text: string): ReceivedCallback[] => moderator.received.filter((r) => textOf(r) === text);
const routedFor = (messageUId: string) => route.accepted.find((r) => r.form.msgUID === messageUId);

beforeAll(async () => {
  await Promise.all([moderator.up(), route.up(), strictModerator.up()]);
  moderator.answer = async (request) => {
    const decision = decisions.get(textOf(request)) ?? decide({ pass: 1 });
    if (decision === 'hang') return sleep(2_000).then(() => decide({ pass: 1 }));
    return decision;
  };
  strictModerator.answer = () => sleep(2_000).then(() => decide({ pass: 1 }));
  t = await startServer({
    apps: [
      {
        features: { historyPrivateGroup: true },
        callbacks: { beforeSend: { url: moderator.url, timeoutMs: 600 }, messageRoute: { url: route.url, includeServerApi: true } },
      },
      { callbacks: { beforeSend: { url: strictModerator.url, timeoutMs: 300, failOpen: false, includeServerApi: true } } },
      { features: { historyPrivateGroup: true }, callbacks: { beforeSend: { url: moderator.url, includeServerApi: true } } },
    ],
  });
  app = t.app(0);
  strict = t.app(1);
  withServerApi = t.app(2);
});

afterAll(async () => {
  await t.close();
  await Promise.all([moderator.down(), route.down(), strictModerator.down()]);
});

async function pair(prefix: string): Promise<[Device, Device]> {
  return Promise.all([connectDevice(t, app, `${prefix}-a`, { platform: 'android' }), connectDevice(t, app, `${prefix}-b`)]);
}

describe('pre-send moderation', () => {
  it('asks before delivering, signed, with RongCloud\'s fields, and delivers what it lets through', async () => {
    const [ann, bob] = await pair('bs-pass');
    const sent = await ann.client.send({ conversationType: 1, targetId: 'bs-pass-b', objectName: 'RC:TxtMsg', content: { content: 'fine' }, pushContent: 'ann: fine' });
    const [asked] = askedAbout('fine');
    expect(asked).toBeDefined();
    expect(signatureIsValid(asked!, app.appSecret)).toBe(true);
    expect(asked!.headers['content-type']).toBe('application/json');
    expect(asked!.headers['user-agent']).toMatch(/Parley/);
    expect(asked!.json).toEqual({
      fromUserId: 'bs-pass-a',
      targetId: 'bs-pass-b',
      toUserIds: ['bs-pass-b'],
      msgType: 'RC:TxtMsg',
      content: txt('fine'),
      pushContent: 'ann: fine',
      pushData: '',
      disablePush: false,
      expansion: false,
      extraContent: '',
      channelType: 'PERSON',
      msgTimeStamp: sent.sentTime,
      messageId: sent.messageUId,
      originalMsgUID: '',
      os: 'Android',
      busChannel: '',
    });
    const [message] = await bob.received(1);
    expect(message).toMatchObject({ messageUId: sent.messageUId, content: txt('fine') });
    await expect.poll(() => routedFor(sent.messageUId)?.form.moderation, { timeout: 5_000 }).toBe('passed');
  });

  it('refuses a message the app blocks: the sender gets 21501, nothing is stored, delivered or routed', async () => {
    const [ann, bob] = await pair('bs-block');
    decisions.set('forbidden', decide({ pass: 0 }));
    await expect(ann.client.send({ conversationType: 1, targetId: 'bs-block-b', objectName: 'RC:TxtMsg', content: { content: 'forbidden' } })).rejects.toMatchObject({ code: 21501 });
    const after = await ann.client.send({ conversationType: 1, targetId: 'bs-block-b', objectName: 'RC:TxtMsg', content: { content: 'allowed' } });
    await bob.received(1);
    await settle(300);
    expect(bob.messages.map((m) => m.content)).toEqual([txt('allowed')]);
    const page = await bob.client.request<{ messages: Array<{ content: string }> }>('history', { conversationType: 1, targetId: 'bs-block-a', limit: 10 });
    expect(page.messages.map((m) => m.content)).toEqual([txt('allowed')]);
    await expect.poll(() => routedFor(after.messageUId), { timeout: 5_000 }).toBeDefined();
    expect(route.accepted.filter((r) => r.form.fromUserId === 'bs-block-a').map((r) => r.form.content)).toEqual([txt('allowed')]);
  });

  it('replaces the content and the push content as the app answers, and records the decision with the message', async () => {
    const [ann, bob] = await pair('bs-replace');
    decisions.set('call me at 555-1234', decide({ pass: 1, replaceContent: txt('call me at ***'), replacePushContent: 'a new message' }));
    const sent = await ann.client.send({ conversationType: 1, targetId: 'bs-replace-b', objectName: 'RC:TxtMsg', content: { content: 'call me at 555-1234' } });
    const [message] = await bob.received(1);
    expect(message).toMatchObject({ content: txt('call me at ***'), pushContent: 'a new message' });
    const page = await bob.client.request<{ messages: Array<{ content: string }> }>('history', { conversationType: 1, targetId: 'bs-replace-a', limit: 10 });
    expect(page.messages.map((m) => m.content)).toEqual([txt('call me at ***')]);
    await expect.poll(() => routedFor(sent.messageUId)?.form, { timeout: 5_000 }).toMatchObject({ content: txt('call me at ***'), moderation: 'replaced' });
  });

  it('asks about the server API\'s messages only when the app says so, and replaces the key/values a message is sent with', async () => {
    const publish = (on: TestApp, text: string) =>
      on.post('/message/private/publish.json', { fromUserId: 'bs-exp-a', toUserId: 'bs-exp-b', objectName: 'RC:TxtMsg', content: txt(text), expansion: true, extraContent: { vote: 'yes' } } as unknown as FormBody, { json: true });
    expect((await publish(app, 'not asked')).body.code).toBe(200);
    expect(askedAbout('not asked')).toEqual([]);

    decisions.set('poll', decide({ pass: 1, replaceExpansion: { vote: 'no', checked: '1' } }));
    const res = await publish(withServerApi, 'poll');
    expect(res.body.code, JSON.stringify(res.body)).toBe(200);
    expect(askedAbout('poll')[0]!.json).toMatchObject({ expansion: true, extraContent: JSON.stringify({ vote: 'yes' }), os: 'Server' });
    const msgUID = (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
    const queried = await withServerApi.post('/message/expansion/query.json', { msgUID });
    expect(queried.body.code, JSON.stringify(queried.body)).toBe(200);
    const values = Object.entries(queried.body.extraContent as Record<string, { v: string }>).map(([key, value]) => [key, value.v]);
    expect(Object.fromEntries(values)).toEqual({ vote: 'no', checked: '1' });
  });

  it('lets a message through unchanged when the app does not answer in time, or answers something that is not a decision, or too much of it (failOpen)', async () => {
    const [ann, bob] = await pair('bs-open');
    decisions.set('slow', 'hang');
    decisions.set('garbled', { status: 200, body: 'not json' });
    decisions.set('broken', 500);
    decisions.set('huge', { status: 200, body: JSON.stringify({ pass: 1, padding: 'x'.repeat(300_000) }) });
    decisions.set('bad replacement', decide({ pass: 1, replaceContent: 'not the JSON a text message is' }));
    const started = Date.now();
    const slow = await ann.client.send({ conversationType: 1, targetId: 'bs-open-b', objectName: 'RC:TxtMsg', content: { content: 'slow' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(Date.now() - started).toBeLessThan(1_800);
    for (const text of ['garbled', 'broken', 'huge', 'bad replacement']) await ann.client.send({ conversationType: 1, targetId: 'bs-open-b', objectName: 'RC:TxtMsg', content: { content: text } });
    await bob.received(5);
    expect(bob.messages.map((m) => m.content)).toEqual(['slow', 'garbled', 'broken', 'huge', 'bad replacement'].map(txt));
    await expect.poll(() => routedFor(slow.messageUId)?.form.moderation, { timeout: 5_000 }).toBe('unanswered');
  });

  it('refuses when the app does not answer in time and failOpen is false, server-API sends included when asked', async () => {
    const ann = await connectDevice(t, strict, 'bs-strict-a');
    const bob = await connectDevice(t, strict, 'bs-strict-b');
    await expect(ann.client.send({ conversationType: 1, targetId: 'bs-strict-b', objectName: 'RC:TxtMsg', content: { content: 'held' } })).rejects.toMatchObject({ code: 21501 });
    const res = await strict.post('/message/private/publish.json', { fromUserId: 'bs-strict-a', toUserId: 'bs-strict-b', objectName: 'RC:TxtMsg', content: txt('from the server') });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe(21501);
    await settle(300);
    expect(bob.messages).toEqual([]);
    // The receiver records a request once it has answered it (2 s later).
    await expect.poll(() => strictModerator.received.map((r) => (r.json as { os: string }).os), { timeout: 5_000 }).toEqual(['iOS', 'Server']);
  });

  it('asks about a group message once its sender may speak there, naming the group; never about status messages', async () => {
    for (const userId of ['bs-g1', 'bs-g2']) await app.post('/user/getToken.json', { userId, name: userId });
    await app.post('/group/create.json', { userId: ['bs-g1', 'bs-g2'], groupId: 'bs-group', groupName: 'G' });
    const member = await connectDevice(t, app, 'bs-g1');
    const outsider = await connectDevice(t, app, 'bs-g3');
    const sent = await member.client.send({ conversationType: 3, targetId: 'bs-group', objectName: 'RC:TxtMsg', content: { content: 'hello group' } });
    expect(askedAbout('hello group')[0]!.json).toMatchObject({ targetId: 'bs-group', toUserIds: [], channelType: 'GROUP', messageId: sent.messageUId });
    await expect(outsider.client.send({ conversationType: 3, targetId: 'bs-group', objectName: 'RC:TxtMsg', content: { content: 'let me in' } })).rejects.toMatchObject({ code: 22406 });
    expect(askedAbout('let me in')).toEqual([]);
    const before = moderator.received.length;
    await member.client.send({ conversationType: 3, targetId: 'bs-group', objectName: 'RC:TypSts', content: { typingContentType: 'RC:TxtMsg' } });
    expect(moderator.received.length).toBe(before);
  });

  it('asks about an ultra group\'s expansion change in RongCloud\'s RC:MsgExMsg shape, and writes it as refused or replaced', async () => {
    const on = withServerApi;
    expect((await on.post('/ultragroup/create.json', { userId: 'bs-u-a', groupId: 'bs-ultra', groupName: 'U' })).body.code).toBe(200);
    expect((await on.post('/ultragroup/join.json', { userId: 'bs-u-b', groupId: 'bs-ultra' })).body.code).toBe(200);
    const res = await on.post('/message/ultragroup/publish.json', { fromUserId: 'bs-u-a', toGroupIds: ['bs-ultra'], objectName: 'RC:TxtMsg', content: txt('pin me'), expansion: true }, { json: true });
    expect(res.body.code, JSON.stringify(res.body)).toBe(200);
    const msgUID = String(res.body.messageUID);
    const where = { msgUID, groupId: 'bs-ultra', userId: 'bs-u-b' };
    const change = (put: Record<string, string>) => JSON.stringify({ clear: 0, put });
    decisions.set(change({ pin: 'top' }), decide({ pass: 1, replaceContent: change({ pin: 'bottom' }) }));
    decisions.set(change({ pin: 'evil' }), decide({ pass: 0 }));

    expect((await on.post('/ultragroup/message/expansion/set.json', { ...where, extraKeyVal: JSON.stringify({ pin: 'top' }) })).body.code).toBe(200);
    expect(askedAbout(change({ pin: 'top' }))[0]!.json).toMatchObject({ msgType: 'RC:MsgExMsg', fromUserId: 'bs-u-b', targetId: 'bs-ultra', channelType: 'ULTRAGROUP', originalMsgUID: msgUID, os: 'Server' });
    const refused = await on.post('/ultragroup/message/expansion/set.json', { ...where, extraKeyVal: JSON.stringify({ pin: 'evil' }) });
    expect(refused.body.code).toBe(21501);
    const queried = await on.post('/ultragroup/message/expansion/query.json', { msgUID, groupId: 'bs-ultra' });
    expect(Object.entries(queried.body.extraContent as Record<string, { v: string }>).map(([key, value]) => [key, value.v])).toEqual([['pin', 'bottom']]);
  });
});
