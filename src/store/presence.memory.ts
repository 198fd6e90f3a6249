import type { Clock } from '../model/clock.js';
import { type Presence } from './presence.js';
import { bySessionAge, type SessionInfo } from '../model/session.js';

/** In-process presence. Single node only: other processes cannot see it. */
export function createMemoryPresence(clock: Clock): Presence {
  const sessions = new Map<string, Map<string, SessionInfo>>();
  const nodeExpiry = new Map<string, number>();
  const keyOf = (appKey: string, userId: string) => `${appKey}\u0000${userId}`;
  const isLive = (nodeId: string) => (nodeExpiry.get(nodeId) ?? 0) > clock.now();

  const live = (appKey: string, userId: string) =>
    [...(sessions.get(keyOf(appKey, userId))?.values() ?? [])].filter((s) => isLive(s.nodeId)).sort(bySessionAge);

  return {
    async add(appKey, session) {
      const key = keyOf(appKey, session.userId);
      let userSessions = sessions.get(key);
      if (!userSessions) sessions.set(key, (userSessions = new Map<string, SessionInfo>()));
      userSessions.set(session.sessionId, session);
    },
    async remove(appKey, { userId, sessionId }) {
      const key = keyOf(appKey, userId);
      const userSessions = sessions.get(key);
      userSessions?.delete(sessionId);
      if (userSessions?.size === 0) sessions.delete(key);
    },
    async list(appKey, userId) {
      return live(appKey, userId);
    },
    async listMany(appKey, userIds) {
      const found = new Map<string, SessionInfo[]>();
      for (const userId of userIds) {
        const sessionsOfUser = live(appKey, userId);
        if (sessionsOfUser.length > 0) found.set(userId, sessionsOfUser);
      }
      return found;
    },
    async nodesOf(appKey, userIds) {
      const found = new Map<string, string[]>();
      for (const userId of userIds) {
        const userSessions = sessions.get(keyOf(appKey, userId));
        if (userSessions && userSessions.size > 0) found.set(userId, [...new Set([...userSessions.values()].map((s) => s.nodeId))]);
      }
      return found;
    },
    async isOnline(appKey, userId) {
      return live(appKey, userId).length > 0;
    },
    async keepNodeAlive(nodeId, ttlMs) {
      nodeExpiry.set(nodeId, clock.now() + ttlMs);
    },
    async dropNode(nodeId) {
      nodeExpiry.delete(nodeId);
    },
    async liveNodes() {
      return [...nodeExpiry.keys()].filter(isLive);
    },
  };
}
