import type { ChatroomMembers, RoomMember } from './chatroom-members.js';
import { earliestPerUser } from './chatroom-members.memory.js';
import { nodeLivenessKey } from './presence.redis.js';
import type { RedisClient } from './redis-client.js';

/**
 * Room membership in Redis, shared by all nodes.
 * - `<ns>:room:<appKey>:<roomId>`: hash sessionId → RoomMember JSON.
 * - `<ns>:rooms:<appKey>`: set of room ids that may have members (pruned on read).
 * Members on a node whose liveness key expired are filtered out and removed on read.
 * No command spans the two keys (on a cluster they sit in different slots): the set is
 * written before a room gains a member and pruned after it lost them, so it may name an
 * empty room (pruned on read) but never misses one with members.
 */
export function createRedisChatroomMembers(redis: RedisClient, namespace: string): ChatroomMembers {
  const roomKey = (appKey: string, roomId: string) => `${namespace}:room:${appKey}:${roomId}`;
  const roomsKey = (appKey: string) => `${namespace}:rooms:${appKey}`;

  async function live(appKey: string, roomId: string): Promise<RoomMember[]> {
    const all = Object.values(await redis.hgetall(roomKey(appKey, roomId))).map((json) => JSON.parse(json) as RoomMember);
    if (all.length === 0) return [];
    const nodes = [...new Set(all.map((m) => m.nodeId))];
    const alive = await redis.mget(nodes.map((n) => nodeLivenessKey(redis, namespace, n)));
    const liveNodes = new Set(nodes.filter((_, i) => alive[i] !== null));
    const dead = all.filter((m) => !liveNodes.has(m.nodeId));
    if (dead.length > 0) await redis.hdel(roomKey(appKey, roomId), ...dead.map((m) => m.sessionId));
    return all.filter((m) => liveNodes.has(m.nodeId));
  }

  async function remove(appKey: string, roomId: string, which: (m: RoomMember) => boolean): Promise<RoomMember[]> {
    const removed = (await live(appKey, roomId)).filter(which);
    if (removed.length > 0) await redis.hdel(roomKey(appKey, roomId), ...removed.map((m) => m.sessionId));
    return removed;
  }

  return {
    async join(appKey, roomId, member) {
      await redis.sadd(roomsKey(appKey), roomId);
      await redis.hset(roomKey(appKey, roomId), member.sessionId, JSON.stringify(member));
    },
    async leave(appKey, roomId, sessionId) {
      await redis.hdel(roomKey(appKey, roomId), sessionId);
    },
    sessions: live,
    async users(appKey, roomId) {
      return earliestPerUser(await live(appKey, roomId));
    },
    async rooms(appKey) {
      const candidates = await redis.smembers(roomsKey(appKey));
      if (candidates.length === 0) return [];
      // Issued together, the reads share socket writes (auto-pipelining), per master on a cluster.
      const sizes = await Promise.all(candidates.map((roomId) => redis.hlen(roomKey(appKey, roomId))));
      const empty = candidates.filter((_, i) => sizes[i] === 0);
      if (empty.length > 0) await redis.srem(roomsKey(appKey), ...empty);
      return candidates.filter((_, i) => sizes[i] !== 0);
    },
    async clear(appKey, roomId) {
      const removed = await live(appKey, roomId);
      await redis.del(roomKey(appKey, roomId));
      await redis.srem(roomsKey(appKey), roomId);
      return removed;
    },
    async removeUser(appKey, roomId, userId) {
      return remove(appKey, roomId, (m) => m.userId === userId);
    },
  };
}
