import type { ChatroomMembers, RoomMember } from './chatroom-members.js';

/** In-process room membership. Single node only: every session is on this node. */
export function createMemoryChatroomMembers(): ChatroomMembers {
  const rooms = new Map<string, Map<string, RoomMember>>();
  const keyOf = (appKey: string, roomId: string) => `${appKey}\u0000${roomId}`;
  const membersOf = (appKey: string, roomId: string) => [...(rooms.get(keyOf(appKey, roomId))?.values() ?? [])];
  const drop = (appKey: string, roomId: string, which: (m: RoomMember) => boolean): RoomMember[] => {
    const room = rooms.get(keyOf(appKey, roomId));
    if (!room) return [];
    const removed = [...room.values()].filter(which);
    for (const member of removed) room.delete(member.sessionId);
    if (room.size === 0) rooms.delete(keyOf(appKey, roomId));
    return removed;
  };
  return {
    async join(appKey, roomId, member) {
      const key = keyOf(appKey, roomId);
      const room = rooms.get(key) ?? new Map<string, RoomMember>();
      room.set(member.sessionId, member);
      rooms.set(key, room);
    },
    async leave(appKey, roomId, sessionId) {
      drop(appKey, roomId, (m) => m.sessionId === sessionId);
    },
    async sessions(appKey, roomId) {
      return membersOf(appKey, roomId);
    },
    async users(appKey, roomId) {
      return earliestPerUser(membersOf(appKey, roomId));
    },
    async rooms(appKey) {
      const prefix = `${appKey}\u0000`;
      return [...rooms.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    },
    async clear(appKey, roomId) {
      return drop(appKey, roomId, () => true);
    },
    async removeUser(appKey, roomId, userId) {
      return drop(appKey, roomId, (m) => m.userId === userId);
    },
  };
}

/** One entry per user, at its earliest join, ordered by join time. */
export function earliestPerUser(members: readonly RoomMember[]): Array<{ userId: string; joinedAt: number }> {
  const first = new Map<string, number>();
  for (const m of members) first.set(m.userId, Math.min(first.get(m.userId) ?? Infinity, m.joinedAt));
  return [...first].map(([userId, joinedAt]) => ({ userId, joinedAt })).sort((a, b) => a.joinedAt - b.joinedAt || a.userId.localeCompare(b.userId));
}
