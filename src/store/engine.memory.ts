import { systemClock } from '../model/clock.js';
import { createMemoryBus } from './bus.memory.js';
import { createMemoryChatroomMembers } from './chatroom-members.memory.js';
import type { Engine } from './engine.js';
import { createMemoryInbox } from './inbox.memory.js';
import { createMemoryOnceStore } from './once.memory.js';
import { createMemoryRateCounter } from './rate-counter.memory.js';
import { createMemoryPresence } from './presence.memory.js';

/**
 * The engine in this process, for one node: nothing to connect to, nothing lost but by a
 * restart (after which devices learn of the new inbox epoch as a gap). Liveness and expiry
 * run on real time, as Redis TTLs do.
 */
export function createMemoryEngine(): Engine {
  return {
    presence: createMemoryPresence(systemClock),
    bus: createMemoryBus(),
    inbox: createMemoryInbox(),
    once: createMemoryOnceStore(systemClock),
    rates: createMemoryRateCounter(),
    roomMembers: createMemoryChatroomMembers(),
    redis: undefined,
    onReconnect: () => undefined,
    ping: async () => undefined,
    close: async () => undefined,
  };
}
