import { randomBytes } from 'node:crypto';
import { ParleyError } from '../errors.js';
import type { Clock } from '../model/clock.js';
import type { OnceStore } from '../store/once.js';
import type { App } from './apps.js';

/**
 * A signed server-API call is good once (docs/server-api.md "Signing"): within the app's
 * `signatureMaxAgeSeconds` (default 300) its Timestamp (seconds or milliseconds) must be
 * that recent, and its Nonce with that Timestamp not seen before on any node (remembered,
 * in the engine's once-store, as long as the Timestamp stays good). 0 turns both off.
 */
export class SignedCalls {
  constructor(
    private readonly nonces: Pick<OnceStore, 'begin'>,
    private readonly clock: Clock,
  ) {}

  /** Refuses (1004) a stale or replayed call whose signature was already found right. */
  async admit(app: App, nonce: string, timestamp: string): Promise<void> {
    const maxAgeMs = app.signatureMaxAgeSeconds * 1000;
    if (maxAgeMs === 0) return;
    const now = this.clock.now();
    if (!isFresh(timestamp, now, maxAgeMs)) throw new ParleyError('badSignature', 'Timestamp outside the allowed window');
    // A stamp of this call's own: a replay brings another one and is told the nonce is taken.
    const claim = await this.nonces.begin(`nonce:${app.appKey}:${nonce}:${timestamp}`, randomBytes(9).toString('base64url'), now, 2 * maxAgeMs, 2 * maxAgeMs);
    if (claim.state !== 'first') throw new ParleyError('badSignature', 'Nonce already used: a signed call is good once');
  }
}

function isFresh(timestamp: string, now: number, maxAgeMs: number): boolean {
  if (!/^\d+$/.test(timestamp)) return false;
  const value = Number(timestamp);
  // Ten or fewer digits is seconds (good until 2286); more is milliseconds.
  const ms = timestamp.length <= 10 ? value * 1000 : value;
  return Math.abs(now - ms) <= maxAgeMs;
}
