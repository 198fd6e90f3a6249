import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/lib/parley-process.js';
import type { Notification } from '../../src/model/push.js';
import { appSchema } from '../../src/config.js';
import type { App } from '../../src/core/apps.js';
import { ApnsProvider } from '../../src/push/apns.js';
import { createPushProviders } from '../../src/push/providers.js';
import { pushThreadNice, startProviderThread, ThreadedPushProviders } from '../../src/push/threaded-providers.js';
import { FcmProvider } from '../../src/push/fcm.js';
import { ManualClock } from '../helpers/device.js';
import { FakeApns } from '../helpers/fake-apns.js';
import { FakeFcm } from '../helpers/fake-fcm.js';
import { listenOnLoopback, pushKeys, until } from '../helpers/fake-push.js';

/** The providers against fake APNs (HTTP/2) and FCM (HTTP) that check their JWTs: token caching and answers. */
const keys = pushKeys();
const apnsCredentials = { teamId: 'TEAMPROV01', keyId: 'KEYPROV001', bundleId: 'im.parley.providers' };
const fcmCredentials = { projectId: 'providers', clientEmail: 'p@providers.iam.gserviceaccount.com' };
let apns: FakeApns;
let fcm: FakeFcm;
const notification: Notification = { title: 't', body: 'b', conversationType: 1, targetId: 'u', objectName: 'RC:TxtMsg' };
const request = (token: string) => ({ token, notification, badge: 1, messageUId: 'MSG1-MSG1-MSG1-MSG1' });

beforeAll(async () => {
  apns = await new FakeApns({ ...apnsCredentials, publicKey: keys.apnsPublicKey }).start();
  fcm = await new FakeFcm({ ...fcmCredentials, publicKey: keys.fcmPublicKey }).start();
});
afterAll(async () => {
  await Promise.all([apns.close(), fcm.close()]);
});

describe('APNs', () => {
  const provider = (clock: ManualClock, endpoint = apns.url) =>
    new ApnsProvider({ ...apnsCredentials, privateKey: keys.apnsPrivateKey, production: true, endpoint }, () => clock.now());

  it('reuses its provider token until it is 50 minutes old', async () => {
    const clock = new ManualClock(Date.now());
    const apnsProvider = provider(clock);
    const token = randomBytes(32).toString('hex');
    expect(await apnsProvider.send(request(token))).toEqual({ kind: 'sent' });
    clock.advance(49 * 60_000);
    expect(await apnsProvider.send(request(token))).toEqual({ kind: 'sent' });
    clock.advance(60_000);
    expect(await apnsProvider.send(request(token))).toEqual({ kind: 'sent' });
    const jwts = apns.pushes.filter((p) => p.token === token).map((p) => p.jwt);
    expect(jwts[0]).toBe(jwts[1]);
    expect(jwts[2]).not.toBe(jwts[1]);
    await apnsProvider.close();
  });

  it('maps Apple\'s answers: 410 and BadDeviceToken dead, 429/5xx retried (Retry-After kept), ExpiredProviderToken renewed, others failed', async () => {
    const clock = new ManualClock(Date.now());
    const apnsProvider = provider(clock);
    const token = randomBytes(32).toString('hex');
    apns.script.answer(
      token,
      { status: 410, reason: 'Unregistered' },
      { status: 400, reason: 'BadDeviceToken' },
      { status: 429, reason: 'TooManyRequests', retryAfter: 3 },
      { status: 500, reason: 'InternalServerError' },
      { status: 403, reason: 'ExpiredProviderToken' },
      { status: 400, reason: 'PayloadTooLarge' },
    );
    const outcomes = [];
    for (let i = 0; i < 7; i++) outcomes.push((await apnsProvider.send(request(token))).kind);
    expect(outcomes).toEqual(['deadToken', 'deadToken', 'retry', 'retry', 'retry', 'failed', 'sent']);
    const jwts = apns.pushes.filter((p) => p.token === token).map((p) => p.jwt);
    expect(jwts[4]).not.toBe(jwts[5]);
    await apnsProvider.close();
  });

  it('a refused connection is a retry', async () => {
    const apnsProvider = provider(new ManualClock(Date.now()), `http://127.0.0.1:${await freePort()}`);
    expect(await apnsProvider.send(request(randomBytes(32).toString('hex')))).toMatchObject({ kind: 'retry', reason: expect.stringContaining('APNs unreachable') });
    await apnsProvider.close();
  });
});

describe('FCM', () => {
  const provider = (clock: ManualClock) =>
    new FcmProvider({ ...fcmCredentials, privateKey: keys.fcmPrivateKey, endpoint: fcm.url, tokenUri: fcm.tokenUri }, () => clock.now());

  it('exchanges a service-account JWT for an access token and keeps it until a minute before it expires', async () => {
    const clock = new ManualClock(Date.now());
    const fcmProvider = provider(clock);
    const before = fcm.issued.length;
    const sends = await Promise.all([1, 2, 3].map(() => fcmProvider.send(request('tok-a'))));
    expect(sends.map((s) => s.kind)).toEqual(['sent', 'sent', 'sent']);
    clock.advance(58 * 60_000);
    expect((await fcmProvider.send(request('tok-a'))).kind).toBe('sent');
    expect(fcm.issued.length - before).toBe(1);
    clock.advance(60_000);
    expect((await fcmProvider.send(request('tok-a'))).kind).toBe('sent');
    expect(fcm.issued.length - before).toBe(2);
  });

  it('maps Google\'s answers: UNREGISTERED and a bad token dead, 429/503 retried, another INVALID_ARGUMENT failed', async () => {
    const fcmProvider = provider(new ManualClock(Date.now()));
    fcm.script.answer(
      'tok-b',
      { status: 404, reason: 'UNREGISTERED' },
      { status: 400, reason: 'INVALID_ARGUMENT', onToken: true },
      { status: 429, reason: 'QUOTA_EXCEEDED', retryAfter: 2 },
      { status: 503, reason: 'UNAVAILABLE' },
      { status: 400, reason: 'INVALID_ARGUMENT' },
    );
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await fcmProvider.send(request('tok-b')));
    expect(outcomes.map((o) => o.kind)).toEqual(['deadToken', 'deadToken', 'retry', 'retry', 'failed', 'sent']);
    expect(outcomes[2]).toMatchObject({ afterMs: 2000 });
  });

  it('a key Google does not know gets no access token: a retry, nothing sent', async () => {
    const other = pushKeys();
    const fcmProvider = new FcmProvider({ ...fcmCredentials, privateKey: other.fcmPrivateKey, endpoint: fcm.url, tokenUri: fcm.tokenUri }, () => Date.now());
    const sent = fcm.pushes.length;
    expect(await fcmProvider.send(request('tok-c'))).toMatchObject({ kind: 'retry', reason: expect.stringContaining('token exchange refused') });
    expect(fcm.pushes.length).toBe(sent);
  });
});

describe('each app\'s providers (createPushProviders)', () => {
  const app = (push: App['push']): App => appSchema.parse({ appKey: 'live-push', appSecret: 's', push });

  it('are kept while the app\'s provider settings are the same object, and made anew from changed ones (the admin API swaps whole apps)', async () => {
    const providers = createPushProviders(() => Date.now());
    const apnsSettings = { ...apnsCredentials, privateKey: keys.apnsPrivateKey, production: true, endpoint: apns.url };
    const fcmSettings = { ...fcmCredentials, privateKey: keys.fcmPrivateKey, endpoint: fcm.url, tokenUri: fcm.tokenUri };
    const before = app({ apns: apnsSettings, fcm: fcmSettings });
    const kept = providers.of(before, 'apns');
    expect(kept).toBeDefined();
    expect(providers.of(before, 'apns')).toBe(kept);
    // Another app object whose APNs settings are the same object (only FCM changed): the same connection.
    const fcmChanged = { ...before, push: { ...before.push, fcm: { ...before.push!.fcm!, projectId: 'changed' } } };
    expect(providers.of(fcmChanged, 'apns')).toBe(kept);
    expect(providers.of(fcmChanged, 'fcm')).not.toBe(providers.of(before, 'fcm'));

    const token = randomBytes(32).toString('hex');
    const changed = app({ apns: { ...apnsSettings, bundleId: 'im.parley.changed' } });
    const made = providers.of(changed, 'apns');
    expect(made).not.toBe(kept);
    await made!.send(request(token));
    expect(apns.pushes.find((p) => p.token === token)?.headers['apns-topic']).toBe('im.parley.changed');
    // Removed from the app: none.
    expect(providers.of(app(undefined), 'apns')).toBeUndefined();
    await providers.close();
  });
});

describe('the providers in a worker thread (ThreadedPushProviders, what a node uses)', () => {
  const apnsApp = (endpoint: string, bundleId = apnsCredentials.bundleId) =>
    app({ apns: { ...apnsCredentials, bundleId, privateKey: keys.apnsPrivateKey, production: true, endpoint } });
  const app = (push: App['push']): App => appSchema.parse({ appKey: 'threaded-push', appSecret: 's', push });

  it('send with the app\'s settings, renew the provider token on the node\'s clock, and follow a change of settings', async () => {
    const clock = new ManualClock(Date.now());
    const providers = new ThreadedPushProviders(() => clock.now());
    const token = randomBytes(32).toString('hex');
    const before = apnsApp(apns.url);
    expect(providers.of(app(undefined), 'apns')).toBeUndefined();
    expect(await providers.of(before, 'apns')!.send(request(token))).toEqual({ kind: 'sent' });
    expect(await providers.of(before, 'apns')!.send(request(token))).toEqual({ kind: 'sent' });
    clock.advance(50 * 60_000);
    expect(await providers.of(before, 'apns')!.send(request(token))).toEqual({ kind: 'sent' });
    // The fake knows only the first bundle: its refusal shows that the new settings reached the thread.
    expect(await providers.of(apnsApp(apns.url, 'im.parley.changed'), 'apns')!.send(request(token))).toEqual({ kind: 'failed', reason: 'APNs 400 TopicDisallowed' });
    const pushed = apns.pushes.filter((p) => p.token === token);
    expect(pushed.map((p) => p.jwt === pushed[0]!.jwt)).toEqual([true, true, false, false]);
    expect(pushed.map((p) => p.headers['apns-topic'])).toEqual([...Array(3).fill(apnsCredentials.bundleId), 'im.parley.changed']);
    await providers.close();
  });

  it('a thread that stops answers its pushes in flight as retries, and the next push starts another', async () => {
    // An endpoint that takes the connection and never answers: the push is in flight when the thread dies.
    const silent = createServer(() => undefined);
    const silentUrl = await listenOnLoopback(silent);
    const threads: Worker[] = [];
    const stops: string[] = [];
    const providers = new ThreadedPushProviders(
      () => Date.now(),
      (why) => stops.push(why),
      () => threads[threads.push(startProviderThread()) - 1]!,
    );
    const inFlight = providers.of(apnsApp(silentUrl), 'apns')!.send(request(randomBytes(32).toString('hex')));
    await until(() => threads.length === 1, 'the thread started');
    await threads[0]!.terminate();
    expect(await inFlight).toMatchObject({ kind: 'retry', reason: expect.stringContaining('the push thread stopped') });
    expect(stops).toEqual([expect.stringContaining('exit code')]);
    // Not restarted at once (a thread that keeps failing would be started for every push): a retry, then a new thread.
    expect(await providers.of(apnsApp(apns.url), 'apns')!.send(request(randomBytes(32).toString('hex')))).toMatchObject({ kind: 'retry' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await providers.of(apnsApp(apns.url), 'apns')!.send(request(randomBytes(32).toString('hex')))).toEqual({ kind: 'sent' });
    expect(threads).toHaveLength(2);
    await providers.close();
    // Closed: no thread is started again.
    expect(await providers.of(apnsApp(apns.url), 'apns')!.send(request(randomBytes(32).toString('hex')))).toMatchObject({ kind: 'retry' });
    expect(threads).toHaveLength(2);
    silent.close();
  });

  it.runIf(process.platform === 'linux')('the thread runs 10 nicer than the node that started it, so that delivery goes first on a busy core; no other thread is lowered', async () => {
    /** A thread's nice value from its `stat` (man 5 proc: field 19). */
    const niceOf = (statPath: string) => {
      const stat = readFileSync(statPath, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const niceByThread = () => new Map(readdirSync('/proc/self/task').map((tid) => [tid, niceOf(`/proc/self/task/${tid}/stat`)] as const));
    const before = niceByThread();
    // The thread that starts the push thread (this test's), whose nice value the new thread starts with.
    const nodeNice = niceOf('/proc/thread-self/stat');
    const providers = new ThreadedPushProviders(() => Date.now());
    expect(await providers.of(apnsApp(apns.url), 'apns')!.send(request(randomBytes(32).toString('hex')))).toEqual({ kind: 'sent' });
    const after = niceByThread();
    const started = [...after].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
    // The push thread alone is lowered (a new thread of any other kind starts at the node's nice).
    expect(started.filter((nice) => nice !== nodeNice)).toEqual([pushThreadNice(nodeNice)]);
    expect(pushThreadNice(nodeNice)).toBe(Math.min(19, nodeNice + 10));
    expect([...after].filter(([tid]) => before.has(tid))).toEqual([...before].filter(([tid]) => after.has(tid)));
    await providers.close();
  });

  it('closing does not hang on a push in flight: the thread is stopped after its grace and the push is answered as a retry', async () => {
    const silent = createServer(() => undefined);
    const providers = new ThreadedPushProviders(() => Date.now());
    const inFlight = providers.of(apnsApp(await listenOnLoopback(silent)), 'apns')!.send(request(randomBytes(32).toString('hex')));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await providers.close();
    expect(await inFlight).toMatchObject({ kind: 'retry' });
    silent.close();
  });
});
