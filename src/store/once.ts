export type Claim = { state: 'claimed' } | { state: 'pending' } | { state: 'done'; result: string };

/**
 * Remembers an operation's result under a key for a while, so that a retried request
 * (`Idempotency-Key`, `msgRandom`, `clientMsgId`) gets the first attempt's result.
 * - `claim` is atomic: exactly one caller gets 'claimed' for a key until it expires
 *   or is released; the others see 'pending' until `complete`, then 'done'.
 * - `release` forgets a claim whose operation failed, so a retry may run it.
 */
export interface OnceStore {
  claim(key: string, ttlMs: number): Promise<Claim>;
  complete(key: string, result: string, ttlMs: number): Promise<void>;
  release(key: string): Promise<void>;
  /** Forgets every record whose key starts with `prefix` (an account deleted). */
  forgetPrefix(prefix: string): Promise<void>;
}
