import type { BusHandler, Bus } from './bus.js';
import type { RedisClient } from './redis-client.js';

/**
 * Redis pub/sub, one channel per node (`<ns>:node-events:<nodeId>`), so a node only
 * receives what is addressed to it. `subscriber` must be a connection of its own on a
 * single Redis (a subscribed connection can do nothing else).
 *
 * On a cluster, sharded pub/sub (SSUBSCRIBE/SPUBLISH, Redis 7): a channel lives on the
 * shard of its slot, so each event crosses one shard instead of being broadcast to every
 * node of the cluster as plain PUBLISH is. Every event has exactly one addressee, which
 * is what sharded channels fit.
 */
export function createRedisBus(publisher: RedisClient, subscriber: RedisClient, namespace: string): Bus {
  const channelOf = (nodeId: string) => `${namespace}:node-events:${nodeId}`;
  const handlers = new Map<string, BusHandler>();
  const sharded = subscriber.isCluster;
  subscriber.on(sharded ? 'smessage' : 'message', (channel: string, payload: string) => handlers.get(channel)?.(payload));
  return {
    async publish(nodeId, payload) {
      if (sharded) await publisher.spublish(channelOf(nodeId), payload);
      else await publisher.publish(channelOf(nodeId), payload);
    },
    async subscribe(nodeId, handler) {
      handlers.set(channelOf(nodeId), handler);
      if (sharded) await subscriber.ssubscribe(channelOf(nodeId));
      else await subscriber.subscribe(channelOf(nodeId));
    },
    async unsubscribe(nodeId) {
      handlers.delete(channelOf(nodeId));
      if (sharded) await subscriber.sunsubscribe(channelOf(nodeId));
      else await subscriber.unsubscribe(channelOf(nodeId));
    },
  };
}
