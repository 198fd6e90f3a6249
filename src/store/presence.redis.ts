import type { Redis } from 'ioredis';
import { bySessionAge, type Presence, type SessionInfo } from './presence.js';

/**
 * Presence in Redis, shared by all nodes.
 * - `<ns>:presence:<appKey>:<userId>`: hash sessionId → SessionInfo JSON.
 * - `<ns>:node:<nodeId>`: exists while the node is alive (PX ttl, renewed by keepNodeAlive).
 * Sessions of a node whose key expired are filtered out on read and removed lazily.
 */
export function createRedisPresence(redis: Redis, namespace: string): Presence {
  const userKey = (appKey: string, userId: string) => `${namespace}:presence:${appKey}:${userId}`;
  const nodeKey = (nodeId: string) => `${namespace}:node:${nodeId}`;

  async function live(appKey: string, userId: string): Promise<SessionInfo[]> {
    const key = userKey(appKey, userId);
    const all = Object.values(await redis.hgetall(key)).map((json) => JSON.parse(json) as SessionInfo);
    if (all.length === 0) return [];
    const nodes = [...new Set(all.map((s) => s.nodeId))];
    const alive = await redis.mget(nodes.map(nodeKey));
    const liveNodes = new Set(nodes.filter((_, i) => alive[i] !== null));
    const dead = all.filter((s) => !liveNodes.has(s.nodeId));
    if (dead.length > 0) await redis.hdel(key, ...dead.map((s) => s.sessionId));
    return all.filter((s) => liveNodes.has(s.nodeId)).sort(bySessionAge);
  }

  return {
    async add(appKey, session) {
      await redis.hset(userKey(appKey, session.userId), session.sessionId, JSON.stringify(session));
    },
    async remove(appKey, userId, sessionId) {
      await redis.hdel(userKey(appKey, userId), sessionId);
    },
    list: live,
    async isOnline(appKey, userId) {
      return (await live(appKey, userId)).length > 0;
    },
    async keepNodeAlive(nodeId, ttlMs) {
      await redis.set(nodeKey(nodeId), '1', 'PX', ttlMs);
    },
    async dropNode(nodeId) {
      await redis.del(nodeKey(nodeId));
    },
  };
}
