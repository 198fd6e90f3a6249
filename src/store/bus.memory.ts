import type { Bus, BusHandler } from './bus.js';

/** In-process bus: the nodes are in this process. Single process only. */
export function createMemoryBus(): Bus {
  const handlers = new Map<string, BusHandler>();
  return {
    async publish(nodeId, payload) {
      const handler = handlers.get(nodeId);
      // Asynchronous like the network, so callers never depend on re-entrancy.
      if (handler) queueMicrotask(() => handler(payload));
    },
    async subscribe(nodeId, handler) {
      handlers.set(nodeId, handler);
    },
    async unsubscribe(nodeId) {
      handlers.delete(nodeId);
    },
  };
}
