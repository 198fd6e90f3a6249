import type { Clock } from '../model/clock.js';
import { type Presence } from './presence.js';
import { bySessionAge, type SessionInfo } from '../model/session.js';

/**
 * In-process presence. Single node only: other processes cannot see it. A user's sessions
 * are a small array (a user has a few devices), which costs far less per idle session than
 * a map of its own.
 */
export function createMemoryPresence(clock: Clock): Presence {
  const sessions = new Map<string, SessionInfo[]>();
  const nodeExpiry = new Map<string, number>();
  const keyOf = (appKey: string, userId: string) => `${appKey}\u0000${userId}`;
  const isLive = (nodeId: string) => (nodeExpiry.get(nodeId) ?? 0) > clock.now();

  const live = (appKey: string, userId: string) =>
    (sessions.get(keyOf(appKey, userId)) ?? []).filter((s) => isLive(s.nodeId)).sort(bySessionAge);

  return {
    async add(appKey, session) {
      const key = keyOf(appKey, session.userId);
      const others = (sessions.get(key) ?? []).filter((s) => s.sessionId !== session.sessionId);
      sessions.set(key, [...others, session]);
    },
    async remove(appKey, { userId, sessionId }) {
      const key = keyOf(appKey, userId);
      const rest = (sessions.get(key) ?? []).filter((s) => s.sessionId !== sessionId);
      if (rest.length > 0) sessions.set(key, rest);
      else sessions.delete(key);
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
        if (userSessions) found.set(userId, [...new Set(userSessions.map((s) => s.nodeId))]);
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
