import type { RateCounter } from './rate-counter.js';

/** In-process windows; a window's entry goes when a later window of its key starts, or in the sweep. */
export function createMemoryRateCounter(): RateCounter {
  const windows = new Map<string, { start: number; end: number; count: number }>();
  let sweptAt = 0;
  return {
    async hit(key, windowMs, now) {
      const start = now - (now % windowMs);
      // Keys not hit again would stay forever: drop every ended window once per minute.
      if (now - sweptAt > 60_000) {
        for (const [id, w] of windows) if (w.end <= now) windows.delete(id);
        sweptAt = now;
      }
      const id = `${key}\u0000${windowMs}`;
      const current = windows.get(id);
      if (current && current.start === start) return ++current.count;
      windows.set(id, { start, end: start + windowMs, count: 1 });
      return 1;
    },
  };
}
