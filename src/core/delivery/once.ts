import { ParleyError } from '../../errors.js';
import type { OnceStore } from '../../store/once.js';

const pollMs = 100;
/** A retry that finds an earlier attempt still running waits this long for it, then answers 1050. */
const maxWaitMs = 5_000;
/**
 * An attempt holds its key this long at most: one that died, or whose claim reached a
 * frozen store only after the caller gave up on it, is taken over after it. Attempts that
 * overlap past it are harmless (the stamp makes their writes the same), only wasteful.
 */
const leaseMs = 10_000;

/**
 * Runs `work` at most once per key within `ttlMs` (docs/reliability.md "Retries"): a retry
 * gets the first answer; a retry while an attempt runs waits for it; a retry after an
 * attempt failed — or died — runs `work` again with that attempt's stamp, so that whatever
 * it had written is found and not written twice.
 */
export async function runOnce<T>(
  store: OnceStore,
  key: string,
  ttlMs: number,
  now: () => number,
  stamp: string,
  work: (stamp: string, retry: boolean) => Promise<T>,
  onFinishFailed: (err: unknown) => void,
): Promise<T> {
  for (let waited = 0; waited <= maxWaitMs; waited += pollMs) {
    const claim = await store.begin(key, stamp, now(), leaseMs, ttlMs);
    if (claim.state === 'done') return JSON.parse(claim.result) as T;
    if (claim.state !== 'running') {
      const retry = claim.state === 'retry';
      let result: T;
      try {
        result = await work(retry ? claim.stamp : stamp, retry);
      } catch (err) {
        await store.fail(key).catch(onFinishFailed);
        throw err;
      }
      // The work is committed: a lost record only means a later retry redoes it, finding all
      // there. So the answer does not wait for the record (one store round trip less per
      // idempotent send); a retry arriving before it lands waits for it as for a running attempt.
      void store.finish(key, JSON.stringify(result)).catch(onFinishFailed);
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new ParleyError('storageTimeout', 'an earlier attempt of this request is still running');
}
