/**
 * Counts hits per key in fixed windows (rate limits): `hit` adds one to the key's current
 * window (`windowMs` long, aligned to the epoch) and returns the count so far. Shared by
 * every node on Redis, per process in memory. Times are the caller's epoch ms.
 */
export interface RateCounter {
  hit(key: string, windowMs: number, now: number): Promise<number>;
}
