import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, ManualClock, settle, type Device } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';
import { storageMode } from '../helpers/storage.js';

const day = 86_400_000;
const clock = new ManualClock(Date.parse('2026-11-22T10:00:00.000+08:00'));
let t: TestServer;
let window1: TestApp;
let window7: TestApp;
let capped: TestApp;
let shortLived: TestApp;
let plain: TestApp;

beforeAll(async () => {
  t = await startServer({
    clock,
    apps: [
      { features: { multiDeviceSync: true, timezone: 'Asia/Shanghai', offlineCompensationDays: 1 } },
      { features: { multiDeviceSync: true, timezone: 'Asia/Shanghai', offlineCompensationDays: 7 } },
      { features: { offlineMessageCap: 5 } },
      { features: { offlineMessageDays: 1 } },
      { features: { multiDeviceSync: true } },
    ],
  });
  [window1, window7, capped, shortLived, plain] = [0, 1, 2, 3, 4].map((i) => t.app(i)) as [TestApp, TestApp, TestApp, TestApp, TestApp];
});
afterAll(() => t.close());

const send = (app: TestApp, to: string, body: string) =>
  app.post('/message/private/publish.json', { fromUserId: 'sender', toUserId: to, objectName: 'RC:TxtMsg', content: JSON.stringify({ content: body }) });

/** Flushes the test's Redis db, as a failover without persistence would. */
async function loseRedisData() {
  const redis = new Redis(t.storage.redisUrl!);
  await redis.flushdb();
  await redis.quit();
  // The node's own liveness key went too; renew it as its timer would.
  await t.deps.presence.keepNodeAlive(t.deps.nodeId, 10_000);
  clock.advance(1000);
}

async function ackedBy(app: TestApp, userId: string, device: Device) {
  await expect.poll(async () => (await t.deps.inbox.head(app.appKey, userId, clock.now())).ackedSeq).toBe(device.client.lastSeq);
}

describe('compensation window (multiDeviceSync, Asia/Shanghai)', () => {
  it.each([
    [1, false],
    [7, true],
  ])('with %i compensation day(s): acked today is owed at 23:59:59.999, and at 00:00:00.000 only with 7 days', async (days, stillOwedTomorrow) => {
    const app = days === 1 ? window1 : window7;
    const user = `w${days}`;
    clock.set(Date.parse('2026-11-22T10:00:00.000+08:00'));
    const phone = await connectDevice(t, app, user);
    await send(app, user, 'morning');
    await phone.received(1);
    await ackedBy(app, user, phone);

    clock.set(Date.parse('2026-11-22T23:59:59.999+08:00'));
    const desktop = await connectDevice(t, app, user, { deviceId: 'desk', platform: 'desktop' });
    expect(desktop.messages.map((m) => m.content)).toEqual([JSON.stringify({ content: 'morning' })]);

    clock.set(Date.parse('2026-11-23T00:00:00.000+08:00'));
    const web = await connectDevice(t, app, user, { deviceId: 'browser', platform: 'web' });
    expect(web.messages.length).toBe(stillOwedTomorrow ? 1 : 0);
    expect(web.synced[0]!.gap).toBeUndefined();
  });

  it('an entry never acked by any device is owed however old it is (within retention)', async () => {
    clock.set(Date.parse('2026-11-22T10:00:00.000+08:00'));
    await send(window1, 'never-acked', 'old');
    clock.advance(3 * day);
    const device = await connectDevice(t, window1, 'never-acked');
    expect(device.messages).toHaveLength(1);
  });
});

describe('gaps are reported, never silent', () => {
  it('entries dropped by the cap are reported with reason "cap"', async () => {
    const first = await connectDevice(t, capped, 'capped-user');
    const base = first.synced[0]!.seq;
    await first.close();
    for (let i = 0; i < 8; i++) await send(capped, 'capped-user', `m${i}`);
    const device = await connectDevice(t, capped, 'capped-user', { lastSeq: base });
    expect(device.messages.map((m) => m.content)).toEqual([3, 4, 5, 6, 7].map((i) => JSON.stringify({ content: `m${i}` })));
    expect(device.synced[0]!.gap).toEqual({ fromSeq: base + 1, toSeq: base + 3, reason: 'cap' });
  });

  it('entries past offlineMessageDays are reported with reason "retention"', async () => {
    clock.set(Date.parse('2026-11-22T10:00:00.000+08:00'));
    const first = await connectDevice(t, shortLived, 'old-user');
    const base = first.synced[0]!.seq;
    await first.close();
    await send(shortLived, 'old-user', 'expired-1');
    await send(shortLived, 'old-user', 'expired-2');
    clock.advance(2 * day);
    await send(shortLived, 'old-user', 'fresh');
    const device = await connectDevice(t, shortLived, 'old-user', { lastSeq: base });
    expect(device.messages.map((m) => m.content)).toEqual([JSON.stringify({ content: 'fresh' })]);
    expect(device.messages[0]!.seq).toBe(base + 3);
    expect(device.synced[0]!.gap).toEqual({ fromSeq: base + 1, toSeq: base + 2, reason: 'retention' });
  });

  it.runIf(storageMode === 'services')('a Redis flush between sends gives an "epoch" gap and no reused seq', async () => {
    const device = await connectDevice(t, plain, 'flushed');
    await send(plain, 'flushed', 'before-1');
    await send(plain, 'flushed', 'before-2');
    await device.received(2);
    const { lastSeq, epoch } = device.client;
    await device.close();
    await loseRedisData();
    await send(plain, 'flushed', 'after');
    const again = await connectDevice(t, plain, 'flushed', { lastSeq, epoch });
    expect(again.synced[0]!.gap).toMatchObject({ fromSeq: lastSeq + 1, reason: 'epoch' });
    expect(again.client.epoch).not.toBe(epoch);
    expect(again.messages.map((m) => m.content)).toEqual([JSON.stringify({ content: 'after' })]);
    expect(again.messages[0]!.seq).toBeGreaterThan(lastSeq);
  });

  it.runIf(storageMode === 'services')('a device that does not name its epoch still learns of the flush (its lastSeq is below the new epoch)', async () => {
    const device = await connectDevice(t, plain, 'flushed-anon');
    await send(plain, 'flushed-anon', 'before');
    await device.received(1);
    const { lastSeq } = device.client;
    await device.close();
    await loseRedisData();
    await send(plain, 'flushed-anon', 'after');
    const again = await connectDevice(t, plain, 'flushed-anon', { lastSeq });
    expect(again.synced[0]!.gap).toMatchObject({ fromSeq: lastSeq + 1, reason: 'epoch' });
    expect(again.messages.map((m) => m.content)).toEqual([JSON.stringify({ content: 'after' })]);
  });
});

describe('no gap and no duplicate across reconnects', () => {
  it('500 messages sent while a device disconnects and reconnects arrive exactly once, in order, with contiguous seqs', async () => {
    clock.set(Date.now());
    const total = 500;
    const sending = (async () => {
      for (let i = 0; i < total; i++) {
        const res = await send(plain, 'steady', String(i));
        expect(res.body.code).toBe(200);
      }
    })();
    const received: Array<{ seq: number; body: string }> = [];
    let lastSeq = 0;
    let epoch: string | undefined;
    for (let round = 0; round < 6 || received.length < total; round++) {
      const device = await connectDevice(t, plain, 'steady', { lastSeq, ...(epoch && { epoch }) });
      await settle(40 + (round % 3) * 30);
      await device.close();
      for (const m of device.messages) received.push({ seq: m.seq!, body: (JSON.parse(m.content) as { content: string }).content });
      lastSeq = device.client.lastSeq;
      epoch = device.client.epoch;
      if (round > 200) break;
    }
    await sending;
    expect(received.map((r) => r.body)).toEqual(Array.from({ length: total }, (_, i) => String(i)));
    const seqs = received.map((r) => r.seq);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
  }, 60_000);
});
