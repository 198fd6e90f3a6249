import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { sharedStores, type SharedStores } from '../helpers/shared-stores.js';

/** Two nodes of one deployment sharing the engine's counters (Redis on services, one process embedded). */
let stores: SharedStores;
let a: TestServer;
let b: TestServer;
const limited = { appKey: 'rl-app', appSecret: 'rl-secret', rateLimits: { '/user/checkOnline.json': 10, '/message/private/publish': 5 } };
const unlimited = { appKey: 'rl-other', appSecret: 'rl-other-secret' };
beforeAll(async () => {
  stores = await sharedStores();
  a = await startServer({ ...stores, apps: [limited, unlimited] });
  b = await startServer({ ...stores, apps: [limited, unlimited] });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await stores.close();
});

const checkOnline = (t: TestServer, app = t.app()) => app.post('/user/checkOnline.json', { userId: 'rl-user' });

describe('server-API rate limits (per app and path, across nodes)', () => {
  it('answers 1008 with HTTP 429 past the path\'s limit in a second, counting both nodes and both path forms, and writes nothing', async () => {
    // All 14 calls must fall in one window: start early in a second, and try a new second
    // when a slow machine crossed into the next one meanwhile.
    const inOneSecond = async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        while (Date.now() % 1_000 > 200) await new Promise((r) => setTimeout(r, 10));
        const second = Math.floor(Date.now() / 1_000);
        const answers = await Promise.all(Array.from({ length: 14 }, (_, i) => checkOnline(i % 2 ? a : b)));
        if (Math.floor(Date.now() / 1_000) === second) return answers;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      throw new Error('14 calls never fit in one second');
    };
    const answers = await inOneSecond();
    const codes = answers.map((r) => r.body.code);
    expect(codes.filter((c) => c === 200)).toHaveLength(10);
    expect(codes.filter((c) => c === 1008)).toHaveLength(4);
    expect(answers.find((r) => r.body.code === 1008)?.status).toBe(429);

    while (Date.now() % 1_000 > 300) await new Promise((r) => setTimeout(r, 20));
    const sends = await Promise.all(
      Array.from({ length: 7 }, (_, n) => a.app().post(n % 2 ? '/message/private/publish.json' : '/message/private/publish', { fromUserId: 'rl-a', toUserId: 'rl-b', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: `m${n}` }) })),
    );
    const sent = sends.filter((r) => r.body.code === 200).length;
    expect(sends.filter((r) => r.body.code === 1008).length).toBe(7 - sent);
    expect(sent).toBeLessThanOrEqual(5);
    // Only what was answered 200 was written: the receiver's catch-up holds exactly those.
    const device = await connectDevice(a, a.app(), 'rl-b');
    await settle(300);
    expect(device.messages).toHaveLength(sent);
    await device.close();
  });

  it('limits nothing else: other paths and other apps', async () => {
    const other = await Promise.all(Array.from({ length: 30 }, () => checkOnline(a, a.app(1))));
    expect(other.every((r) => r.body.code === 200)).toBe(true);
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => a.app().post('/user/getToken.json', { userId: `rl-t${i}` })));
    expect(tokens.every((r) => r.body.code === 200)).toBe(true);
  });

  it('a bad limit stops the start naming the field', () => {
    const apps = (rateLimits: unknown) => ({ IM_APPS: JSON.stringify([{ appKey: 'k', appSecret: 's', rateLimits }]) });
    expect(() => loadConfig(apps({ '/user/checkOnline.json': 0 }))).toThrow(/IM_APPS\.0\.rateLimits/);
    expect(() => loadConfig(apps({ 'no-slash': 5 }))).toThrow(/IM_APPS\.0\.rateLimits/);
    expect(loadConfig(apps({ '/message/private/publish.json': 5 })).apps[0]?.rateLimits).toEqual({ '/message/private/publish': 5 });
  });
});
