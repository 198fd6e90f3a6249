import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateCounter } from '../../src/store/rate-counter.js';
import { createMemoryRateCounter } from '../../src/store/rate-counter.memory.js';
import { createRedisRateCounter } from '../../src/store/rate-counter.redis.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import { freshStorage, storageMode, testRedis, type TestStorage } from '../helpers/storage.js';

/** The RateCounter contract (src/store/rate-counter.ts), in memory or on Redis (two nodes' clients). */
let storage: TestStorage;
const clients: RedisClient[] = [];
let counters: [RateCounter, RateCounter];
beforeAll(async () => {
  storage = await freshStorage();
  if (storageMode === 'services') {
    clients.push(testRedis(storage), testRedis(storage));
    counters = [createRedisRateCounter(clients[0]!, storage.redisNamespace), createRedisRateCounter(clients[1]!, storage.redisNamespace)];
  } else {
    const one = createMemoryRateCounter();
    counters = [one, one];
  }
});
afterAll(async () => {
  for (const client of clients) await client.quit();
  await storage.release();
});

const T = 1_800_000_000_000;

describe(`RateCounter contract (${storageMode})`, () => {
  it('counts the hits of a key within its window, wherever they come from, and starts again in the next', async () => {
    const [a, b] = counters;
    expect(await a.hit('k1', 1_000, T)).toBe(1);
    expect(await b.hit('k1', 1_000, T + 400)).toBe(2);
    expect(await a.hit('k1', 1_000, T + 999)).toBe(3);
    expect(await a.hit('k1', 1_000, T + 1_000)).toBe(1);
    expect(await b.hit('k1', 1_000, T + 1_500)).toBe(2);
  });

  it('keeps keys and window lengths apart', async () => {
    const [a] = counters;
    expect(await a.hit('k2', 1_000, T)).toBe(1);
    expect(await a.hit('k3', 1_000, T)).toBe(1);
    expect(await a.hit('k2', 60_000, T)).toBe(1);
    expect(await a.hit('k2', 1_000, T)).toBe(2);
  });

  it('counts concurrent hits exactly', async () => {
    const [a, b] = counters;
    const counts = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).hit('k4', 1_000, T)));
    expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
