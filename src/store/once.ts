/**
 * What a retried request's attempt is to do (`OnceStore.begin`):
 * - `first`: no attempt before; this caller holds the key's lease, under its own stamp;
 * - `retry`: an earlier attempt failed or its lease ran out, maybe after writing part of
 *   its work; this caller now holds the lease and must redo the work with `stamp`, the
 *   earlier attempt's, so that what was written is found again rather than written twice;
 * - `running`: an earlier attempt holds the lease now;
 * - `done`: an earlier attempt finished; `result` is its answer.
 */
export type Claim = { state: 'first' } | { state: 'retry'; stamp: string } | { state: 'running' } | { state: 'done'; result: string };

/**
 * Remembers a request's attempts under a key for a while (`Idempotency-Key`, `msgRandom`,
 * `clientMsgId`), so that a retry gets the first attempt's answer and repeats none of its
 * writes.
 * - `begin` is atomic: for a key, one caller at a time holds the lease. A key lives `ttlMs`
 *   from its first attempt; its stamp never changes while it lives. A `begin` bringing the
 *   stamp of the lease that holds is that claim itself, sent again (a Redis client resends
 *   a command whose reply a cut connection lost): `first` again. Callers therefore bring a
 *   stamp of their own to every claim.
 * - `finish` records the answer for every later `begin`; `fail` ends the lease at once.
 * Times are the caller's epoch ms.
 */
export interface OnceStore {
  begin(key: string, stamp: string, now: number, leaseMs: number, ttlMs: number): Promise<Claim>;
  finish(key: string, result: string): Promise<void>;
  fail(key: string): Promise<void>;
  /** Forgets every record whose key starts with `prefix`, leases and answers alike (an account deleted). */
  forgetPrefix(prefix: string): Promise<void>;
}
