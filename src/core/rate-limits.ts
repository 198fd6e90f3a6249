import { ParleyError } from '../errors.js';
import { apiPath } from '../model/api-path.js';
import type { Clock } from '../model/clock.js';
import type { RateCounter } from '../store/rate-counter.js';
import type { App } from './apps.js';

/**
 * The app's limits on server-API calls (`rateLimits` in its config): calls to a limited
 * path are counted per second across every node (the engine's counter: Redis, or the
 * process); past the limit the call is refused with 1008 before it does anything. A path
 * without a limit costs nothing.
 */
export class RateLimits {
  constructor(
    private readonly counter: RateCounter,
    private readonly clock: Clock,
  ) {}

  async check(app: App, path: string): Promise<void> {
    const limitedPath = apiPath(path);
    const perSecond = app.rateLimits?.[limitedPath];
    if (perSecond === undefined) return;
    const count = await this.counter.hit(`${app.appKey}:${limitedPath}`, 1_000, this.clock.now());
    if (count > perSecond) throw new ParleyError('rateLimited', `${limitedPath}: at most ${perSecond} calls per second for this app`);
  }
}
