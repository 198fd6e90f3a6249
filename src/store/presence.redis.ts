import { bySessionAge, type SessionInfo } from '../model/session.js';
import { type Presence } from './presence.js';
import { hashTag, type RedisClient } from './redis-client.js';

/**
 * Presence in Redis, shared by all nodes.
 * - `<ns>:presence:<appKey>:<userId>`: hash `<nodeId>|<sessionId>` → SessionInfo JSON (the
 *   node in the field name lets `nodesOf` read fields only).
 * - `<ns>:node:<nodeId>`: exists while the node is alive (PX ttl, renewed by keepNodeAlive).
 * - `<ns>:nodes`: set of node ids ever announced; filtered by their liveness key.
 * Sessions of a node whose key expired are filtered out on read and removed lazily.
 * On a cluster the node keys are `<ns>:{nodes}:node:<nodeId>` and `<ns>:{nodes}:nodes`:
 * one slot, so that one MGET reads every node's liveness.
 */
/** The key that exists while a node is alive (shared with other seams that filter by node). */
export const nodeLivenessKey = (redis: RedisClient, namespace: string, nodeId: string) => `${nodeKeysPrefix(redis, namespace)}:node:${nodeId}`;
const nodeKeysPrefix = (redis: RedisClient, namespace: string) => (redis.isCluster ? `${namespace}:${hashTag(redis, 'nodes')}` : namespace);

const fieldOf = (session: Pick<SessionInfo, 'nodeId' | 'sessionId'>) => `${session.nodeId}|${session.sessionId}`;

export function createRedisPresence(redis: RedisClient, namespace: string): Presence {
  const userKey = (appKey: string, userId: string) => `${namespace}:presence:${appKey}:${userId}`;
  const nodeKey = (nodeId: string) => nodeLivenessKey(redis, namespace, nodeId);
  const nodesKey = `${nodeKeysPrefix(redis, namespace)}:nodes`;

  /** Keeps the sessions on live nodes; deletes the others (one more round trip only if any). */
  async function keepLive(appKey: string, byUser: Map<string, SessionInfo[]>): Promise<Map<string, SessionInfo[]>> {
    const nodes = [...new Set([...byUser.values()].flat().map((s) => s.nodeId))];
    if (nodes.length === 0) return new Map();
    const alive = await redis.mget(nodes.map(nodeKey));
    const liveNodes = new Set(nodes.filter((_, i) => alive[i] !== null));
    const result = new Map<string, SessionInfo[]>();
    const cleanups: Array<Promise<number>> = [];
    for (const [userId, sessions] of byUser) {
      const live = sessions.filter((s) => liveNodes.has(s.nodeId)).sort(bySessionAge);
      const gone = sessions.filter((s) => !liveNodes.has(s.nodeId));
      if (gone.length > 0) cleanups.push(redis.hdel(userKey(appKey, userId), ...gone.map(fieldOf)));
      if (live.length > 0) result.set(userId, live);
    }
    await Promise.all(cleanups);
    return result;
  }

  async function listMany(appKey: string, userIds: readonly string[]): Promise<Map<string, SessionInfo[]>> {
    if (userIds.length === 0) return new Map();
    // Issued together, the reads share socket writes (auto-pipelining) without a pipeline object.
    const replies = await Promise.all(userIds.map((userId) => redis.hgetall(userKey(appKey, userId))));
    const byUser = new Map<string, SessionInfo[]>();
    replies.forEach((hash, i) => {
      const sessions = Object.values(hash).map((json) => JSON.parse(json) as SessionInfo);
      if (sessions.length > 0) byUser.set(userIds[i]!, sessions);
    });
    return keepLive(appKey, byUser);
  }

  const list = async (appKey: string, userId: string) => (await listMany(appKey, [userId])).get(userId) ?? [];

  return {
    async add(appKey, session) {
      await redis.hset(userKey(appKey, session.userId), fieldOf(session), JSON.stringify(session));
    },
    async remove(appKey, session) {
      await redis.hdel(userKey(appKey, session.userId), fieldOf(session));
    },
    async nodesOf(appKey, userIds) {
      // Issued together, the reads share socket writes (auto-pipelining).
      const replies = await Promise.all(userIds.map((userId) => redis.hkeys(userKey(appKey, userId))));
      const found = new Map<string, string[]>();
      replies.forEach((fields, i) => {
        if (fields.length > 0) found.set(userIds[i]!, [...new Set(fields.map((field) => field.slice(0, field.lastIndexOf('|'))))]);
      });
      return found;
    },
    list,
    listMany,
    async isOnline(appKey, userId) {
      return (await list(appKey, userId)).length > 0;
    },
    async keepNodeAlive(nodeId, ttlMs) {
      await redis.multi().set(nodeKey(nodeId), '1', 'PX', ttlMs).sadd(nodesKey, nodeId).exec();
    },
    async dropNode(nodeId) {
      await redis.multi().del(nodeKey(nodeId)).srem(nodesKey, nodeId).exec();
    },
    async liveNodes() {
      const nodes = await redis.smembers(nodesKey);
      if (nodes.length === 0) return [];
      const alive = await redis.mget(nodes.map(nodeKey));
      const dead = nodes.filter((_, i) => alive[i] === null);
      if (dead.length > 0) await redis.srem(nodesKey, ...dead);
      return nodes.filter((_, i) => alive[i] !== null);
    },
  };
}
