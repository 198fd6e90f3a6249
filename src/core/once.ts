import { ParleyError } from '../errors.js';
import type { OnceStore } from '../store/once.js';

const pollMs = 20;
const maxWaitMs = 5_000;
/** A claim outlives a crashed attempt only this long; the result is kept for the full ttl. */
const claimLeaseMs = 30_000;

/**
 * Runs `work` at most once per key within `ttlMs`: a retry gets the first result;
 * a retry while the first attempt still runs waits for it; a failed attempt is
 * forgotten so it can be retried.
 */
export async function runOnce<T>(store: OnceStore, key: string, ttlMs: number, work: () => Promise<T>): Promise<T> {
  for (let waited = 0; waited <= maxWaitMs; waited += pollMs) {
    const claim = await store.claim(key, Math.min(ttlMs, claimLeaseMs));
    if (claim.state === 'done') return JSON.parse(claim.result) as T;
    if (claim.state === 'claimed') {
      let result: T;
      try {
        result = await work();
      } catch (err) {
        await store.release(key);
        throw err;
      }
      await store.complete(key, JSON.stringify(result), ttlMs);
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new ParleyError('storageTimeout', 'an earlier attempt of this request is still running');
}
