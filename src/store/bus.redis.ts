import type { Redis } from 'ioredis';
import type { Bus, BusHandler } from './bus.js';

/**
 * Redis pub/sub, one channel per node (`<ns>:node-events:<nodeId>`), so a node only
 * receives what is addressed to it. `subscriber` must be a connection of its own:
 * a subscribed Redis connection can do nothing else.
 */
export function createRedisBus(publisher: Redis, subscriber: Redis, namespace: string): Bus {
  const channelOf = (nodeId: string) => `${namespace}:node-events:${nodeId}`;
  const handlers = new Map<string, BusHandler>();
  subscriber.on('message', (channel: string, payload: string) => handlers.get(channel)?.(payload));
  return {
    async publish(nodeId, payload) {
      await publisher.publish(channelOf(nodeId), payload);
    },
    async subscribe(nodeId, handler) {
      handlers.set(channelOf(nodeId), handler);
      await subscriber.subscribe(channelOf(nodeId));
    },
    async unsubscribe(nodeId) {
      handlers.delete(channelOf(nodeId));
      await subscriber.unsubscribe(channelOf(nodeId));
    },
  };
}
