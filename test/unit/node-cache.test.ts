import { describe, expect, it } from 'vitest';
import { NodeCache } from '../../src/core/cache.js';
import { ManualClock } from '../helpers/device.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('NodeCache', () => {
  it('keeps an entry for its ttl on the injected clock, then loads again', async () => {
    const clock = new ManualClock(1_000);
    const cache = new NodeCache<{ v: number }>({ ttlMs: 100, max: 10 }, clock);
    let loads = 0;
    const load = async () => ({ v: ++loads });
    expect(await cache.get('k', load)).toEqual({ v: 1 });
    clock.advance(100);
    expect(await cache.get('k', load)).toEqual({ v: 1 });
    clock.advance(1);
    expect(await cache.get('k', load)).toEqual({ v: 2 });
  });

  it('shares one load between concurrent misses of a key', async () => {
    const cache = new NodeCache<{ v: number }>({ ttlMs: 1_000, max: 10 }, new ManualClock(0));
    const gate = deferred<{ v: number }>();
    let loads = 0;
    const load = () => (loads++, gate.promise);
    const both = Promise.all([cache.get('k', load), cache.get('k', load)]);
    gate.resolve({ v: 7 });
    expect(await both).toEqual([{ v: 7 }, { v: 7 }]);
    expect(loads).toBe(1);
  });

  it('does not keep a load that raced a forget, but gives it to its callers', async () => {
    const cache = new NodeCache<{ v: string }>({ ttlMs: 1_000, max: 10 }, new ManualClock(0));
    const gate = deferred<{ v: string }>();
    const racing = cache.get('k', () => gate.promise);
    cache.forget(['k']);
    gate.resolve({ v: 'before the change' });
    expect(await racing).toEqual({ v: 'before the change' });
    expect(await cache.get('k', async () => ({ v: 'after' }))).toEqual({ v: 'after' });
  });

  it('does not keep a failed load', async () => {
    const cache = new NodeCache<{ v: number }>({ ttlMs: 1_000, max: 10 }, new ManualClock(0));
    await expect(cache.get('k', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await cache.get('k', async () => ({ v: 1 }))).toEqual({ v: 1 });
  });

  it('holds at most max entries, dropping the least recently used', async () => {
    const cache = new NodeCache<{ v: string }>({ ttlMs: 1_000, max: 2 }, new ManualClock(0));
    let loads = 0;
    const load = (v: string) => async () => (loads++, { v });
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('a', load('a'));
    await cache.get('c', load('c'));
    expect(loads).toBe(3);
    await cache.get('a', load('a'));
    expect(loads).toBe(3);
    await cache.get('b', load('b'));
    expect(loads).toBe(4);
  });

  it('getMany loads every missing key in one call and forgets by prefix', async () => {
    const cache = new NodeCache<{ v: string }>({ ttlMs: 1_000, max: 100 }, new ManualClock(0));
    const calls: string[][] = [];
    const loadMissing = async (keys: string[]) => (calls.push(keys), new Map(keys.map((k) => [k, { v: k.toUpperCase() }])));
    const first = await cache.getMany(['app\u0000a', 'app\u0000b'], loadMissing);
    expect([...first.values()]).toEqual([{ v: 'APP\u0000A' }, { v: 'APP\u0000B' }]);
    await cache.getMany(['app\u0000a', 'app\u0000c', 'other\u0000a'], loadMissing);
    expect(calls).toEqual([['app\u0000a', 'app\u0000b'], ['app\u0000c', 'other\u0000a']]);
    cache.forgetPrefix('app\u0000');
    await cache.getMany(['app\u0000a', 'other\u0000a'], loadMissing);
    expect(calls.at(-1)).toEqual(['app\u0000a']);
  });
});
