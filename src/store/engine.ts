import type { Bus } from './bus.js';
import type { ChatroomMembers } from './chatroom-members.js';
import type { Inbox } from './inbox.js';
import type { OnceStore } from './once.js';
import type { Presence } from './presence.js';
import type { RateCounter } from './rate-counter.js';
import type { RedisClient } from './redis-client.js';

/**
 * The shared, fast-changing state of the cluster (inboxes, presence, node bus, idempotency
 * records, chatroom members, rate-limit windows) behind one choice: Redis for many nodes (engine.redis.ts), or
 * the in-process engine for one (engine.memory.ts).
 */
export interface Engine {
  presence: Presence;
  bus: Bus;
  inbox: Inbox;
  once: OnceStore;
  roomMembers: ChatroomMembers;
  /** Rate-limit windows, shared like the rest. */
  rates: RateCounter;
  /** The Redis connection, for probes (undefined in process). */
  redis: RedisClient | undefined;
  /**
   * Calls `handler` each time the engine is reachable again after a disconnect, telling
   * whether it kept its data (a Redis restarted without persistence did not).
   */
  onReconnect(handler: (lostData: boolean) => void): void;
  ping(): Promise<void>;
  close(): Promise<void>;
}
