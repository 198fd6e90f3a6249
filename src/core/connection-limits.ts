import type { Clock } from '../model/clock.js';
import type { RateCounter } from '../store/rate-counter.js';

/**
 * New device connections per client address (docs/reliability.md "Limits"): counted per
 * clock minute across every node (the engine's counter: Redis, or the process). A counter
 * that does not answer lets the connection in: the store's outage is not the client's fault.
 */
export class ConnectionLimits {
  constructor(
    private readonly counter: RateCounter,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Whether `address` may open another connection this minute (`perMinute` 0: no limit). */
  async allowed(address: string | undefined, perMinute: number): Promise<boolean> {
    if (perMinute === 0 || address === undefined) return true;
    try {
      return (await this.counter.hit(`ws-connect:${address}`, 60_000, this.clock.now())) <= perMinute;
    } catch (err) {
      this.onError(err);
      return true;
    }
  }
}
