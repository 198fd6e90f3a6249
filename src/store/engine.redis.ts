import { randomBytes } from 'node:crypto';
import { createRedisBus } from './bus.redis.js';
import { createRedisChatroomMembers } from './chatroom-members.redis.js';
import type { Engine } from './engine.js';
import { createRedisInbox } from './inbox.redis.js';
import { createRedisOnceStore } from './once.redis.js';
import { createRedisPresence } from './presence.redis.js';
import { createRedisRateCounter } from './rate-counter.redis.js';
import { createRedisClient, type RedisClusterTarget } from './redis-client.js';

export interface RedisEngineOptions {
  /** A single Redis (`redis://` URL) or a cluster. */
  target: string | RedisClusterTarget;
  /** Prefix of every key and channel: several deployments or tests may share one Redis. */
  namespace: string;
  /** A command (and a connection attempt) that takes longer fails (answered 1050). */
  timeoutMs: number;
  /** A connection lost or refused (ioredis retries on its own); called once per outage, not per attempt. */
  onConnectionError(err: Error): void;
}

/**
 * The engine on Redis, shared by every node. A marker key written once tells, after a
 * reconnect, whether Redis kept its data: when the marker is gone (or another), the data
 * this node relied on (inboxes, presence) is gone with it.
 *
 * On a cluster the same seams run through ioredis' cluster client (keys that go together
 * share a hash tag, redis-client.ts); its sharded subscriptions need no connection of
 * their own, so `subscriber` is the same client.
 */
export async function createRedisEngine(options: RedisEngineOptions): Promise<Engine> {
  const redis = createRedisClient(options.target, { timeoutMs: options.timeoutMs });
  const subscriber = redis.isCluster ? redis : redis.duplicate();
  const clients = [...new Set([redis, subscriber])];
  // Without listeners ioredis prints every failed reconnect; one report per outage is enough.
  let reported = false;
  const connectionError = (err: Error) => {
    if (!reported) options.onConnectionError(err);
    reported = true;
  };
  for (const client of clients) client.on('error', connectionError);
  await Promise.all(clients.map((client) => client.connect()));
  const markerKey = `${options.namespace}:engine-marker`;
  const readMarker = async () => {
    await redis.set(markerKey, randomBytes(8).toString('hex'), 'NX');
    return redis.get(markerKey);
  };
  let marker: string | null;
  try {
    marker = await readMarker();
  } catch (err) {
    for (const client of clients) client.disconnect();
    throw err;
  }
  const handlers: Array<(lostData: boolean) => void> = [];
  redis.on('ready', () => {
    reported = false;
    readMarker().then(
      (now) => {
        const lostData = now !== marker;
        marker = now;
        for (const handler of handlers) handler(lostData);
      },
      // Not ready after all: the next 'ready' asks again.
      () => undefined,
    );
  });
  return {
    presence: createRedisPresence(redis, options.namespace),
    bus: createRedisBus(redis, subscriber, options.namespace),
    inbox: createRedisInbox(redis, options.namespace, {
      waitReplicas: typeof options.target === 'string' ? 0 : options.target.waitReplicas,
      // Within the command timeout, so that a replica that does not answer fails as a timeout would.
      waitTimeoutMs: Math.floor(options.timeoutMs / 2),
    }),
    once: createRedisOnceStore(redis, options.namespace),
    roomMembers: createRedisChatroomMembers(redis, options.namespace),
    rates: createRedisRateCounter(redis, options.namespace),
    redis,
    onReconnect: (handler) => void handlers.push(handler),
    async ping() {
      await redis.ping();
    },
    async close() {
      await Promise.allSettled(clients.map((client) => client.quit()));
    },
  };
}
