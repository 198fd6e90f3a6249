import { describe, expect, it } from 'vitest';
import { runOnce } from '../../src/core/delivery/once.js';
import { systemClock } from '../../src/model/clock.js';
import { createMemoryOnceStore } from '../../src/store/once.memory.js';
import type { OnceStore } from '../../src/store/once.js';

/** A store whose records of finished work land late (a slow Redis): the answer must not wait for them, nor a retry run the work again. */
function slowToFinish(store: OnceStore, delayMs: number): OnceStore & { finishing: Promise<void>[] } {
  const finishing: Promise<void>[] = [];
  return {
    ...store,
    finishing,
    finish(key, result) {
      const landed = new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => store.finish(key, result));
      finishing.push(landed);
      return landed;
    },
  };
}

describe('runOnce (idempotent sends: msgRandom, MsgRandom, Idempotency-Key)', () => {
  it('answers without waiting for the record of the work, and a retry arriving before it lands gets the first answer, the work run once', async () => {
    const store = slowToFinish(createMemoryOnceStore(systemClock), 400);
    const runs: string[] = [];
    const work = async (stamp: string) => {
      runs.push(stamp);
      return { messageUId: `uid-of-${stamp}` };
    };
    const started = Date.now();
    const first = await runOnce(store, 'k', 60_000, () => Date.now(), 'first', work, (err) => {
      throw err;
    });
    expect(Date.now() - started).toBeLessThan(300);
    const retry = await runOnce(store, 'k', 60_000, () => Date.now(), 'second', work, (err) => {
      throw err;
    });
    expect(retry).toEqual(first);
    expect(runs).toEqual(['first']);
    await Promise.all(store.finishing);
  });

  it('a record that fails to land is reported, and the answer already given stands', async () => {
    const store = createMemoryOnceStore(systemClock);
    const failed: unknown[] = [];
    const failing: OnceStore = { ...store, finish: () => Promise.reject(new Error('store down')) };
    const answer = await runOnce(failing, 'k2', 60_000, () => Date.now(), 's', async () => 'done', (err) => failed.push(err));
    expect(answer).toBe('done');
    await expect.poll(() => failed.length).toBe(1);
  });
});
