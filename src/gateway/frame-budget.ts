/** How many frames a session may send: `perSecond` on average, `burst` at once. */
export interface FrameRate {
  perSecond: number;
  burst: number;
}

/**
 * One session's frame allowance (a token bucket): a device may send `burst` frames at once
 * and `perSecond` on average; one that sends faster is flooding (docs/reliability.md
 * "Limits") and its socket is closed. Costs two numbers per session.
 */
export class FrameBudget {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: FrameRate,
    now: number,
  ) {
    this.tokens = rate.burst;
    this.updatedAt = now;
  }

  /** Spends one frame; false when the session has none left. */
  take(now: number): boolean {
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.updatedAt) * this.rate.perSecond) / 1_000);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
