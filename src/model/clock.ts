/** Source of the current time, injected so tests can move it (STYLE.md §11). */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
