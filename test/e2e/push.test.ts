import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle, type Device } from '../helpers/device.js';
import { FakeApns, type ApnsPush } from '../helpers/fake-apns.js';
import { FakeFcm, type FcmPush } from '../helpers/fake-fcm.js';
import { pushKeys } from '../helpers/fake-push.js';
import { startServer, type FormBody, type TestApp, type TestServer } from '../helpers/server.js';

/** Offline push (docs/push.md): device tokens, when a message is pushed, what is pushed, providers' errors. */
const keys = pushKeys();
const apnsCredentials = { teamId: 'TEAM123456', keyId: 'KEY1234567', bundleId: 'im.parley.test' };
const fcmCredentials = { projectId: 'parley-test', clientEmail: 'push@parley-test.iam.gserviceaccount.com' };
let apns: FakeApns;
let fcm: FakeFcm;
let t: TestServer;
let app: TestApp;

beforeAll(async () => {
  apns = await new FakeApns({ ...apnsCredentials, publicKey: keys.apnsPublicKey }).start();
  fcm = await new FakeFcm({ ...fcmCredentials, publicKey: keys.fcmPublicKey }).start();
  t = await startServer({
    apps: [
      {
        features: { historyPrivateGroup: true, timezone: 'Asia/Shanghai', pushAfterUnackedMs: 400 },
        push: {
          apns: { ...apnsCredentials, privateKey: keys.apnsPrivateKey, production: false, endpoint: apns.url },
          fcm: { ...fcmCredentials, privateKey: keys.fcmPrivateKey, endpoint: fcm.url, tokenUri: fcm.tokenUri },
        },
      },
    ],
  });
  app = t.app();
});
afterAll(async () => {
  await t.close();
  await Promise.all([apns.close(), fcm.close()]);
});

const txt = (s: string) => JSON.stringify({ content: s });
const ok = (res: { body: { code: number } }) => expect(res.body.code).toBe(200);
const apnsToken = () => randomBytes(32).toString('hex');
const fcmToken = () => `f${randomBytes(8).toString('hex')}:APA91b${randomBytes(24).toString('base64url')}`;
const toIos = (token: string): ApnsPush[] => apns.delivered.filter((p) => p.token === token);
const toAndroid = (token: string): FcmPush[] => fcm.delivered.filter((p) => p.token === token);
const pushesTo = (token: string): Array<ApnsPush | FcmPush> => [...toIos(token), ...toAndroid(token)];
/** A signed JSON POST (the push endpoints' RongCloud shape). */
const postJson = (path: string, body: object) => app.post(path, body as FormBody, { json: true });

/** A phone of `userId` that registered `token` and then went offline. */
async function offlinePhone(userId: string, provider: 'apns' | 'fcm', token: string, deviceId = `${userId}-phone`): Promise<void> {
  const device = await connectDevice(t, app, userId, { deviceId, autoAck: true });
  await device.client.registerPush(provider, token);
  await device.close();
  await expect.poll(async () => (await t.deps.presence.list(app.appKey, userId)).some((s) => s.deviceId === deviceId), { timeout: 5000 }).toBe(false);
}

async function tokensOf(userId: string): Promise<string[]> {
  const { rows } = await t.deps.sql.query<{ token: string }>('SELECT token FROM push_tokens WHERE app_key = $1 AND user_id = $2 ORDER BY token', [app.appKey, userId]);
  return rows.map((r) => r.token);
}

/** Waits until audience pushes are paged and the worker has nothing due left, then a little more for what should not come. */
async function drained(): Promise<void> {
  await t.deps.broadcasts.settle();
  await expect.poll(() => t.deps.push.jobs.pending(app.appKey), { timeout: 10_000 }).toBe(0);
  await settle(100);
}

describe('device tokens (push.register / push.unregister)', () => {
  it('refuses an unknown provider, an empty token and a 4 KB token with 1002, storing nothing', async () => {
    const device: Device = await connectDevice(t, app, 'tok-bad');
    await expect(device.client.request<unknown>('push.register', { provider: 'hms', token: apnsToken() })).rejects.toMatchObject({ code: 1002 });
    await expect(device.client.request('push.register', { provider: 'apns', token: '' })).rejects.toMatchObject({ code: 1002 });
    await expect(device.client.request('push.register', { provider: 'fcm', token: 'a'.repeat(4096) })).rejects.toMatchObject({ code: 1002 });
    await expect(device.client.request('push.register', { provider: 'fcm', token: 'a/../b' })).rejects.toMatchObject({ code: 1002 });
    expect(await tokensOf('tok-bad')).toEqual([]);
    await device.close();
  });

  it('re-registering replaces the token; a token registered by another user moves to it; unregister removes it', async () => {
    const [first, second] = [apnsToken(), apnsToken()];
    const a = await connectDevice(t, app, 'tok-a');
    await a.client.registerPush('apns', first);
    await a.client.registerPush('apns', second);
    expect(await tokensOf('tok-a')).toEqual([second]);

    const b = await connectDevice(t, app, 'tok-b');
    await b.client.registerPush('apns', second);
    expect(await tokensOf('tok-a')).toEqual([]);
    expect(await tokensOf('tok-b')).toEqual([second]);
    await b.client.unregisterPush();
    expect(await tokensOf('tok-b')).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('logging out removes the device\'s token and closes its socket after the result', async () => {
    const device = await connectDevice(t, app, 'tok-out');
    await device.client.registerPush('fcm', fcmToken());
    expect(await tokensOf('tok-out')).toHaveLength(1);
    await device.client.logout();
    expect(device.client.isOpen).toBe(false);
    expect(await tokensOf('tok-out')).toEqual([]);
  });

  it('a deactivated account loses its tokens', async () => {
    await offlinePhone('tok-gone', 'fcm', fcmToken());
    expect(await tokensOf('tok-gone')).toHaveLength(1);
    ok(await app.post('/user/deactivate.json', { userId: 'tok-gone' }));
    await expect.poll(() => tokensOf('tok-gone'), { timeout: 5000 }).toEqual([]);
  });
});

describe('when a message is pushed', () => {
  it('a one-to-one message reaches an offline iPhone over APNs with the sender as title, the text as body and the unread count as badge', async () => {
    const token = apnsToken();
    await offlinePhone('p-bob', 'apns', token);
    await connectDevice(t, app, 'p-alice').then((d) => d.close()); // names the sender
    ok(await app.post('/message/private/publish.json', { fromUserId: 'p-alice', toUserId: 'p-bob', objectName: 'RC:TxtMsg', content: txt('hello bob') }));
    // The badge is the unread count when the push is sent: one, then two.
    await expect.poll(() => toIos(token).length, { timeout: 5000 }).toBe(1);
    ok(await app.post('/message/private/publish.json', { fromUserId: 'p-alice', toUserId: 'p-bob', objectName: 'RC:TxtMsg', content: txt('are you there?'), pushData: 'custom-data' }));
    await expect.poll(() => pushesTo(token).length, { timeout: 5000 }).toBe(2);
    const [first, second] = toIos(token);
    expect(first!.payload.aps.alert).toEqual({ title: 'name-p-alice', body: 'hello bob' });
    expect(first!.payload.aps.badge).toBe(1);
    expect(second!.payload).toMatchObject({ aps: { alert: { body: 'are you there?' }, badge: 2 }, appData: 'custom-data', rc: { conversationType: 1, targetId: 'p-alice', objectName: 'RC:TxtMsg' } });
    expect(second!.headers).toMatchObject({ 'apns-topic': 'im.parley.test', 'apns-push-type': 'alert', 'apns-priority': '10' });
    expect(Number(second!.headers['apns-expiration'])).toBeGreaterThan(Date.now() / 1000);
    // The provider token is made once and reused.
    expect(new Set(apns.pushes.map((p) => p.jwt)).size).toBe(1);
  });

  it('reaches an offline Android phone over FCM HTTP v1, exchanging one access token for several pushes', async () => {
    const token = fcmToken();
    await offlinePhone('f-bob', 'fcm', token);
    for (const text of ['one', 'two']) ok(await app.post('/message/private/publish.json', { fromUserId: 'f-alice', toUserId: 'f-bob', objectName: 'RC:TxtMsg', content: txt(text) }));
    await expect.poll(() => pushesTo(token).length, { timeout: 5000 }).toBe(2);
    const [first] = toAndroid(token);
    expect(first!.message).toMatchObject({ notification: { title: 'f-alice', body: 'one' }, data: { conversationType: '1', targetId: 'f-alice', objectName: 'RC:TxtMsg' } });
    // The unread count as notification_count: 1 then 2, or 2 for both when one pass sent them.
    const counts = toAndroid(token).map((p) => p.message.android?.notification?.notification_count);
    expect(counts.at(-1)).toBe(2);
    expect(counts[0]).toBeGreaterThanOrEqual(1);
    expect(fcm.issued).toHaveLength(1);
  });

  it('a connected device is not pushed; a device of the same user that is not connected is', async () => {
    const [phone, tablet] = [apnsToken(), fcmToken()];
    await offlinePhone('c-bob', 'apns', phone, 'c-bob-phone');
    const online = await connectDevice(t, app, 'c-bob', { deviceId: 'c-bob-tablet' });
    await online.client.registerPush('fcm', tablet);
    ok(await app.post('/message/private/publish.json', { fromUserId: 'c-alice', toUserId: 'c-bob', objectName: 'RC:TxtMsg', content: txt('hi') }));
    await online.received(1);
    await expect.poll(() => pushesTo(phone).length, { timeout: 5000 }).toBe(1);
    await drained();
    expect(pushesTo(tablet)).toEqual([]);
    await online.close();
  });

  it('a connected device that has not acked within pushAfterUnackedMs is pushed; an ack or a read position covering the message cancels it', async () => {
    const [sleepy, reader, acker] = [apnsToken(), apnsToken(), apnsToken()];
    const asleep = await connectDevice(t, app, 'u-sleepy', { autoAck: false });
    await asleep.client.registerPush('apns', sleepy);
    const reading = await connectDevice(t, app, 'u-reader', { autoAck: false });
    await reading.client.registerPush('apns', reader);
    const acking = await connectDevice(t, app, 'u-acker');
    await acking.client.registerPush('apns', acker);
    ok(await app.post('/message/private/publish.json', { fromUserId: 'u-alice', toUserId: ['u-sleepy', 'u-reader', 'u-acker'], objectName: 'RC:TxtMsg', content: txt('still there?') }));
    const [[message]] = await Promise.all([reading.received(1), asleep.received(1), acking.received(1)]);
    await reading.client.request('read', { conversationType: 1, targetId: 'u-alice', lastReadTime: message!.sentTime });
    expect(toIos(sleepy)).toEqual([]);
    await expect.poll(() => toIos(sleepy).length, { timeout: 5000 }).toBe(1);
    await drained();
    expect([...toIos(reader), ...toIos(acker)]).toEqual([]);
    await Promise.all([asleep.close(), reading.close(), acking.close()]);
  });

  it('never pushes status messages, the sender\'s own echo, disablePush sends, or signalling types without pushContent', async () => {
    const [bob, alice] = [apnsToken(), apnsToken()];
    await offlinePhone('n-bob', 'apns', bob);
    await offlinePhone('n-alice', 'apns', alice);
    const send = (body: Record<string, string | number>) =>
      app.post('/message/private/publish.json', { fromUserId: 'n-alice', toUserId: 'n-bob', objectName: 'RC:TxtMsg', content: txt('x'), ...body });
    ok(await app.post('/statusmessage/private/publish.json', { fromUserId: 'n-alice', toUserId: 'n-bob', objectName: 'RC:TxtMsg', content: txt('status') }));
    ok(await send({ disablePush: 'true' }));
    ok(await send({ objectName: 'RC:CmdMsg', content: JSON.stringify({ name: 'sync' }) }));
    ok(await send({ objectName: 'RC:ReadNtf', content: JSON.stringify({ lastMessageSendTime: 1 }) }));
    ok(await send({ objectName: 'app:custom', content: JSON.stringify({ x: 1 }) }));
    ok(await send({ isIncludeSender: 1, objectName: 'RC:CmdMsg', content: JSON.stringify({ name: 'ping' }), pushContent: 'a command worth a push' }));
    await expect.poll(() => pushesTo(bob).length, { timeout: 5000 }).toBe(1);
    await drained();
    expect(pushesTo(bob)[0]).toMatchObject({ payload: { aps: { alert: { body: 'a command worth a push' } } } });
    expect(pushesTo(alice)).toEqual([]);
  });

  it('a muted conversation is not pushed, a mention lets an "@ only" level through, and quiet hours hold pushes back', async () => {
    const token = apnsToken();
    await offlinePhone('m-bob', 'apns', token);
    ok(await app.post('/conversation/notification/set.json', { requestId: 'm-bob', conversationType: 1, targetId: 'm-alice', isMuted: 1 }));
    ok(await app.post('/message/private/publish.json', { fromUserId: 'm-alice', toUserId: 'm-bob', objectName: 'RC:TxtMsg', content: txt('muted') }));
    ok(await app.post('/message/private/publish.json', { fromUserId: 'm-carol', toUserId: 'm-bob', objectName: 'RC:TxtMsg', content: txt('not muted') }));
    await expect.poll(() => pushesTo(token).length, { timeout: 5000 }).toBe(1);
    await drained();
    expect(toIos(token)[0]!.payload).toMatchObject({ aps: { alert: { body: 'not muted' } } });

    // Quiet hours around now (app zone Asia/Shanghai): nothing from anyone.
    const local = new Date(Date.now() + 8 * 3600_000);
    const start = new Date(local.getTime() - 5 * 60_000).toISOString().slice(11, 19);
    ok(await app.post('/user/blockPushPeriod/set.json', { userId: 'm-bob', startTime: start, period: 30 }));
    expect((await app.post('/user/blockPushPeriod/get.json', { userId: 'm-bob' })).body).toEqual({ code: 200, data: { startTime: start, period: 30, unPushLevel: 1 } });
    ok(await app.post('/message/private/publish.json', { fromUserId: 'm-carol', toUserId: 'm-bob', objectName: 'RC:TxtMsg', content: txt('quiet') }));
    ok(await app.post('/message/private/publish.json', { fromUserId: 'm-carol', toUserId: 'm-bob', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: '@bob', mentionedInfo: { type: 2, userIdList: ['m-bob'] } }) }));
    await expect.poll(() => pushesTo(token).length, { timeout: 5000 }).toBe(2);
    await drained();
    expect(toIos(token)[1]!.payload).toMatchObject({ aps: { alert: { body: '@bob' } } });
    ok(await app.post('/user/blockPushPeriod/delete.json', { userId: 'm-bob' }));
    expect((await app.post('/user/blockPushPeriod/get.json', { userId: 'm-bob' })).body).toEqual({ code: 200, data: {} });
    ok(await app.post('/message/private/publish.json', { fromUserId: 'm-carol', toUserId: 'm-bob', objectName: 'RC:TxtMsg', content: txt('awake') }));
    await expect.poll(() => pushesTo(token).length, { timeout: 5000 }).toBe(3);
    expect((await app.post('/user/blockPushPeriod/set.json', { userId: 'm-bob', startTime: '25:00:00', period: 30 })).body.code).toBe(1002);
  });

  it('a banned user, or one whose tokens were expired after it registered, is not pushed', async () => {
    const [banned, expired] = [apnsToken(), apnsToken()];
    await offlinePhone('b-banned', 'apns', banned);
    await offlinePhone('b-expired', 'apns', expired);
    ok(await app.post('/user/block.json', { userId: 'b-banned', minute: 10 }));
    ok(await app.post('/user/token/expire.json', { userId: 'b-expired', time: Date.now() + 1000 }));
    for (const to of ['b-banned', 'b-expired']) ok(await app.post('/message/private/publish.json', { fromUserId: 'b-alice', toUserId: to, objectName: 'RC:TxtMsg', content: txt('x') }));
    await drained();
    expect([...pushesTo(banned), ...pushesTo(expired)]).toEqual([]);
  });
});

describe('what is pushed', () => {
  it('in a group: the group\'s name as title, "sender: body", media defaults, and the recall text', async () => {
    const [bob, carol] = [apnsToken(), fcmToken()];
    ok(await app.post('/group/create.json', { userId: ['g-alice', 'g-bob', 'g-carol'], groupId: 'pg1', groupName: 'Climbers' }));
    await offlinePhone('g-bob', 'apns', bob);
    await offlinePhone('g-carol', 'fcm', carol);
    await connectDevice(t, app, 'g-alice').then((d) => d.close());
    const sent = await app.post('/message/group/publish.json', { fromUserId: 'g-alice', toGroupId: 'pg1', objectName: 'RC:ImgMsg', content: JSON.stringify({ imageUri: 'https://x/y.png', content: '' }) });
    const { messageUID } = (sent.body.messageUIDs as Array<{ messageUID: string }>)[0]!;
    await expect.poll(() => pushesTo(bob).length + pushesTo(carol).length, { timeout: 5000 }).toBe(2);
    expect(toIos(bob)[0]!.payload.aps.alert).toEqual({ title: 'Climbers', body: 'name-g-alice: [图片]' });
    expect(toAndroid(carol)[0]!.message.notification).toEqual({ title: 'Climbers', body: 'name-g-alice: [图片]' });

    const alice = await connectDevice(t, app, 'g-alice');
    await alice.client.request('recall', { messageUId: messageUID });
    await alice.close();
    await expect.poll(() => pushesTo(bob).length, { timeout: 5000 }).toBe(2);
    expect(toIos(bob)[1]!.payload).toMatchObject({ aps: { alert: { title: 'Climbers', body: 'name-g-alice: [撤回了一条消息]' } }, rc: { objectName: 'RC:RcCmd', targetId: 'pg1' } });
  });

  it('the pushes of a group message, badged together, each carry their own user\'s unread count', async () => {
    const [dan, erin] = [apnsToken(), apnsToken()];
    ok(await app.post('/group/create.json', { userId: ['b-alice', 'b-dan', 'b-erin'], groupId: 'pg-badge', groupName: 'Badges' }));
    await offlinePhone('b-dan', 'apns', dan);
    await offlinePhone('b-erin', 'apns', erin);
    for (const text of ['one', 'two']) ok(await app.post('/message/private/publish.json', { fromUserId: 'b-alice', toUserId: 'b-dan', objectName: 'RC:TxtMsg', content: txt(text) }));
    await expect.poll(() => toIos(dan).length, { timeout: 5000 }).toBe(2);
    ok(await app.post('/message/group/publish.json', { fromUserId: 'b-alice', toGroupId: 'pg-badge', objectName: 'RC:TxtMsg', content: txt('to both') }));
    await expect.poll(() => toIos(dan).length + toIos(erin).length, { timeout: 5000 }).toBe(4);
    expect([toIos(dan)[2]!.payload.aps.badge, toIos(erin)[0]!.payload.aps.badge]).toEqual([3, 1]);
  });

  it('pushExt sets the title and vendor options, count sets the badge', async () => {
    const [ios, android] = [apnsToken(), fcmToken()];
    await offlinePhone('x-bob', 'apns', ios, 'x-bob-iphone');
    await offlinePhone('x-bob', 'fcm', android, 'x-bob-pixel');
    const pushExt = JSON.stringify({
      title: 'Custom title',
      forceShowPushContent: 1,
      pushConfigs: [{ APNS: { 'thread-id': 'th-1', 'apns-collapse-id': 'col-1', 'interruption-level': 'time-sensitive' } }, { FCM: { channelId: 'chat', collapse_key: 'ck', imageUrl: 'https://x/i.png' } }],
    });
    ok(await app.post('/message/private/publish.json', { fromUserId: 'x-alice', toUserId: 'x-bob', objectName: 'RC:TxtMsg', content: txt('with ext'), pushContent: 'shown text', pushExt, count: 7 }));
    await expect.poll(() => pushesTo(ios).length + pushesTo(android).length, { timeout: 5000 }).toBe(2);
    const [onIos] = toIos(ios);
    expect(onIos!.payload.aps).toMatchObject({ alert: { title: 'Custom title', body: 'shown text' }, badge: 7, 'thread-id': 'th-1', 'interruption-level': 'time-sensitive' });
    expect(onIos!.headers['apns-collapse-id']).toBe('col-1');
    const onAndroid = toAndroid(android)[0]!;
    expect(onAndroid.message).toMatchObject({ notification: { title: 'Custom title', body: 'shown text', image: 'https://x/i.png' }, android: { collapse_key: 'ck', notification: { channel_id: 'chat', notification_count: 7 } } });
    const bad = await app.post('/message/private/publish.json', { fromUserId: 'x-alice', toUserId: 'x-bob', objectName: 'RC:TxtMsg', content: txt('bad ext'), pushExt: '{not json' });
    expect([bad.status, bad.body.code]).toEqual([400, 1002]);
  });
});

describe('providers\' answers', () => {
  it('a 503 then 200 is retried and pushed once; a 429 likewise', async () => {
    const [flaky, limited] = [apnsToken(), fcmToken()];
    await offlinePhone('r-bob', 'apns', flaky);
    await offlinePhone('r-carol', 'fcm', limited);
    apns.script.answer(flaky, { status: 503, reason: 'ServiceUnavailable' });
    fcm.script.answer(limited, { status: 429, reason: 'QUOTA_EXCEEDED', retryAfter: 0 });
    for (const to of ['r-bob', 'r-carol']) ok(await app.post('/message/private/publish.json', { fromUserId: 'r-alice', toUserId: to, objectName: 'RC:TxtMsg', content: txt('retry me') }));
    await expect.poll(() => pushesTo(flaky).length + pushesTo(limited).length, { timeout: 10_000 }).toBe(2);
    await drained();
    expect(apns.pushes.filter((p) => p.token === flaky).map((p) => p.status)).toEqual([503, 200]);
    expect(fcm.pushes.filter((p) => p.token === limited).map((p) => p.status)).toEqual([429, 200]);
  });

  it('a token the provider reports dead is removed (APNs 410 Unregistered, 400 BadDeviceToken; FCM UNREGISTERED, INVALID_ARGUMENT on the token)', async () => {
    const tokens = { gone: apnsToken(), bad: apnsToken(), unregistered: fcmToken(), invalid: fcmToken() };
    apns.script.answer(tokens.gone, { status: 410, reason: 'Unregistered' });
    apns.script.answer(tokens.bad, { status: 400, reason: 'BadDeviceToken' });
    fcm.script.answer(tokens.unregistered, { status: 404, reason: 'UNREGISTERED' });
    fcm.script.answer(tokens.invalid, { status: 400, reason: 'INVALID_ARGUMENT', onToken: true });
    await offlinePhone('d-1', 'apns', tokens.gone);
    await offlinePhone('d-2', 'apns', tokens.bad);
    await offlinePhone('d-3', 'fcm', tokens.unregistered);
    await offlinePhone('d-4', 'fcm', tokens.invalid);
    ok(await app.post('/message/private/publish.json', { fromUserId: 'd-alice', toUserId: ['d-1', 'd-2', 'd-3', 'd-4'], objectName: 'RC:TxtMsg', content: txt('to the dead') }));
    await expect.poll(async () => (await Promise.all(['d-1', 'd-2', 'd-3', 'd-4'].map(tokensOf))).flat(), { timeout: 5000 }).toEqual([]);
    await drained();
  });

  it('a slow or failing provider does not slow message delivery', async () => {
    const token = apnsToken();
    await offlinePhone('s-bob', 'apns', token);
    apns.script.answer(token, { status: 503, reason: 'ServiceUnavailable' }, { status: 503, reason: 'ServiceUnavailable' });
    const online = await connectDevice(t, app, 's-carol');
    const started = Date.now();
    ok(await app.post('/message/private/publish.json', { fromUserId: 's-alice', toUserId: ['s-bob', 's-carol'], objectName: 'RC:TxtMsg', content: txt('fast') }));
    await online.received(1);
    expect(Date.now() - started).toBeLessThan(1000);
    await online.close();
    await expect.poll(() => pushesTo(token).length, { timeout: 10_000 }).toBe(1);
  });
});

describe('durable planning', () => {
  const outboxEntries = async () => (await t.deps.sql.query<{ push_plans: string | null }>('SELECT push_plans FROM inbox_outbox WHERE app_key = $1', [app.appKey])).rows;

  it('a send keeps its pushes to plan with its commit until they are planned', async () => {
    const token = apnsToken();
    await offlinePhone('dp-bob', 'apns', token);
    ok(await app.post('/message/private/publish.json', { fromUserId: 'dp-alice', toUserId: 'dp-bob', objectName: 'RC:TxtMsg', content: txt('planned at once') }));
    await expect.poll(() => toIos(token).length, { timeout: 5000 }).toBe(1);
    await expect.poll(outboxEntries, { timeout: 5000 }).toEqual([]);
  });

  it('pushes whose planning failed after the commit (as when the node dies) are planned by the outbox relay, once', async () => {
    const token = apnsToken();
    await offlinePhone('dr-bob', 'apns', token);
    // Every write of an owed push fails for a while: the planner's write fails as a dead node's never happens.
    await t.deps.sql.query('ALTER TABLE push_jobs ADD CONSTRAINT refuse_all CHECK (false) NOT VALID');
    try {
      ok(await app.post('/message/private/publish.json', { fromUserId: 'dr-alice', toUserId: 'dr-bob', objectName: 'RC:TxtMsg', content: txt('planned by the relay') }));
      await settle(300);
    } finally {
      await t.deps.sql.query('ALTER TABLE push_jobs DROP CONSTRAINT refuse_all');
    }
    expect(toIos(token)).toEqual([]);
    const [entry] = await outboxEntries();
    expect(JSON.parse(entry!.push_plans!)).toMatchObject([{ kind: 'private', fromUserId: 'dr-alice', users: ['dr-bob'] }]);

    // Stale, as the relay finds an entry some seconds later.
    await t.deps.sql.query('UPDATE inbox_outbox SET taken_at = 0 WHERE app_key = $1', [app.appKey]);
    await t.deps.outboxRelay.pass();
    await expect.poll(() => toIos(token).map((p) => p.payload.aps.alert.body), { timeout: 5000 }).toEqual(['planned by the relay']);
    expect(await outboxEntries()).toEqual([]);
    await drained();
    expect(toIos(token)).toHaveLength(1);
  });
});

describe('push endpoints and user tags', () => {
  it('sets, replaces and reads tags within RongCloud\'s limits; bad input is 1002 and changes nothing', async () => {
    ok(await postJson('/user/tag/set.json', { userId: 'tag-a', tags: ['vip', 'beijing'] }));
    ok(await postJson('/user/tag/batch/set.json', { userIds: ['tag-b', 'tag-c'], tags: ['beijing'] }));
    expect((await postJson('/user/tags/get.json', { userIds: ['tag-a', 'tag-b', 'tag-none'] })).body).toEqual({ code: 200, result: { 'tag-a': ['beijing', 'vip'], 'tag-b': ['beijing'], 'tag-none': [] } });
    const refused = [
      await postJson('/user/tag/set.json', { userId: 'tag-a', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }),
      await postJson('/user/tag/set.json', { userId: 'tag-a', tags: ['x'.repeat(41)] }),
      await postJson('/user/tag/batch/set.json', { userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`), tags: ['x'] }),
      await postJson('/user/tags/get.json', { userIds: Array.from({ length: 51 }, (_, i) => `u${i}`) }),
    ];
    expect(refused.map((r) => r.body.code)).toEqual([1002, 1002, 1002, 1002]);
    ok(await postJson('/user/tag/set.json', { userId: 'tag-a', tags: [] }));
    expect((await app.post('/user/tags/get.json', { userIds: 'tag-a' })).body).toEqual({ code: 200, result: { 'tag-a': [] } });
  });

  it('/push.json pushes to an audience by tags on the platforms asked for, answering {code, id}', async () => {
    const [ios1, android1, ios2] = [apnsToken(), fcmToken(), apnsToken()];
    await offlinePhone('aud-1', 'apns', ios1, 'aud-1-iphone');
    await offlinePhone('aud-1', 'fcm', android1, 'aud-1-pixel');
    await offlinePhone('aud-2', 'apns', ios2);
    ok(await app.post('/user/tag/set.json', { userId: 'aud-1', tags: ['female', 'young'] }));
    ok(await postJson('/user/tag/set.json', { userId: 'aud-2', tags: ['female'] }));
    const res = await postJson('/push.json', { platform: ['ios'], audience: { tag: ['female', 'young'], is_to_all: false }, notification: { alert: 'sale today', ios: { title: 'Shop', badge: 3, extras: { id: 'x' } } } });
    expect(res.body).toEqual({ code: 200, id: expect.any(String) });
    await expect.poll(() => pushesTo(ios1).length, { timeout: 5000 }).toBe(1);
    await drained();
    expect(toIos(ios1)[0]!.payload).toMatchObject({ aps: { alert: { title: 'Shop', body: 'sale today' }, badge: 3 }, appData: '{"id":"x"}' });
    expect([...pushesTo(android1), ...pushesTo(ios2)]).toEqual([]);

    const custom = await postJson('/push/custom.json', { platform: ['ios', 'android'], audience: { is_to_all: false, tagItems: [{ tags: ['female'], isNot: false, tagsOperator: 'OR' }, { tags: ['young'], isNot: true, itemsOperator: 'AND' }] }, notification: { alert: 'not young' } });
    expect(custom.body.code).toBe(200);
    await expect.poll(() => pushesTo(ios2).length, { timeout: 5000 }).toBe(1);
    await drained();
    expect(pushesTo(ios1)).toHaveLength(1);

    const bad = await postJson('/push.json', { platform: ['ios'], audience: { is_to_all: false }, notification: { alert: 'x' } });
    expect(bad.body.code).toBe(1002);
    const noAlert = await postJson('/push.json', { platform: ['android'], audience: { userid: ['aud-1'] }, notification: { ios: { alert: 'ios only' } } });
    expect(noAlert.body.code).toBe(1002);
    await drained();
    expect(pushesTo(android1)).toEqual([]);
  });

  it('/push.json with a message sends it as a system message and pushes it once; /push/user.json pushes users by id', async () => {
    const token = fcmToken();
    await offlinePhone('msg-1', 'fcm', token);
    const res = await postJson('/push.json', { platform: ['ios', 'android'], fromuserid: 'msg-admin', audience: { userid: ['msg-1'], is_to_all: false }, message: { content: txt('hello all'), objectName: 'RC:TxtMsg' }, notification: { alert: 'a message for you' } });
    expect(res.body).toEqual({ code: 200, id: expect.any(String) });
    await expect.poll(() => pushesTo(token).length, { timeout: 5000 }).toBe(1);
    await drained();
    expect(toAndroid(token)[0]!.message.notification.body).toBe('a message for you');
    const device = await connectDevice(t, app, 'msg-1');
    await device.received(1);
    expect(device.messages[0]).toMatchObject({ conversationType: 6, senderUserId: 'msg-admin', content: txt('hello all') });
    await device.close();

    const ios = apnsToken();
    await offlinePhone('pu-1', 'apns', ios);
    ok(await postJson('/push/user.json', { userIds: ['pu-1'], notification: { title: 'Hi', pushContent: 'just a push', ios: { badge: 1 } } }));
    await expect.poll(() => pushesTo(ios).length, { timeout: 5000 }).toBe(1);
    expect(toIos(ios)[0]!.payload.aps).toMatchObject({ alert: { title: 'Hi', body: 'just a push' }, badge: 1 });
  });
});

describe('broadcasts (last: they reach every phone of the app)', () => {
  it('a message to every user (/message/broadcast.json) is pushed to the offline phones, page by page, once', async () => {
    const [ios, android] = [apnsToken(), fcmToken()];
    await offlinePhone('bc-ann', 'apns', ios);
    await offlinePhone('bc-bob', 'fcm', android);
    await connectDevice(t, app, 'bc-admin').then((d) => d.close()); // names the sender
    ok(await app.post('/message/broadcast.json', { fromUserId: 'bc-admin', objectName: 'RC:TxtMsg', content: txt('maintenance tonight') }));
    await expect.poll(() => toIos(ios).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => toAndroid(android).length, { timeout: 10_000 }).toBe(1);
    expect(toIos(ios)[0]!.payload.aps.alert).toEqual({ title: 'name-bc-admin', body: 'maintenance tonight' });
    expect(toAndroid(android)[0]!.message.notification).toMatchObject({ title: 'name-bc-admin', body: 'maintenance tonight' });
    await settle(1_000);
    expect([toIos(ios).length, toAndroid(android).length]).toEqual([1, 1]);
  });
});
