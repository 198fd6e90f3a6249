import type { Bus } from '../../src/store/bus.js';

export interface BusFaults {
  /** Share of payloads lost (0–1). */
  drop?: number;
  /** Every payload that gets through is delivered twice. */
  duplicate?: boolean;
  /** Payloads are held and delivered in a shuffled order, a few at a time. */
  reorder?: boolean;
}

/**
 * A bus over another that loses, repeats or reorders what it carries, as a network may:
 * the node protocol's promises (at most once, unordered across nodes) are tested on it.
 * `faults` can be changed while it runs.
 */
export function faultyBus(inner: Bus, faults: BusFaults, random: () => number = Math.random): Bus & { faults: BusFaults } {
  const held: Array<() => void> = [];
  let flushing: NodeJS.Timeout | undefined;
  const flush = () => {
    flushing = undefined;
    for (let i = held.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [held[i], held[j]] = [held[j]!, held[i]!];
    }
    for (const deliver of held.splice(0)) deliver();
  };
  const bus = {
    faults,
    async publish(nodeId: string, payload: string) {
      if (random() < (bus.faults.drop ?? 0)) return;
      const copies = bus.faults.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        if (!bus.faults.reorder) {
          await inner.publish(nodeId, payload);
          continue;
        }
        held.push(() => void inner.publish(nodeId, payload));
        flushing ??= setTimeout(flush, 5);
      }
    },
    subscribe: (nodeId: string, handler: (payload: string) => void) => inner.subscribe(nodeId, handler),
    unsubscribe: (nodeId: string) => inner.unsubscribe(nodeId),
  };
  return bus;
}
