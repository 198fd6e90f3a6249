/** One device session joined to a chatroom. */
export interface RoomMember {
  sessionId: string;
  userId: string;
  nodeId: string;
  /** Epoch ms. */
  joinedAt: number;
}

/**
 * Who is in each chatroom now: device sessions that joined and have not left or
 * disconnected (docs/architecture.md: chatroom members are those connected and joined now).
 * Implementations: chatroom-members.memory.ts (single node only), chatroom-members.redis.ts.
 * Sessions of a node that stopped renewing its liveness are not listed.
 */
export interface ChatroomMembers {
  join(appKey: string, roomId: string, member: RoomMember): Promise<void>;
  /** No-op for a session not in the room. */
  leave(appKey: string, roomId: string, sessionId: string): Promise<void>;
  /** Live member sessions of the room. */
  sessions(appKey: string, roomId: string): Promise<RoomMember[]>;
  /** Distinct users in the room with their earliest join, ordered by it. */
  users(appKey: string, roomId: string): Promise<Array<{ userId: string; joinedAt: number }>>;
  /** Ids of the app's rooms that have at least one member session. */
  rooms(appKey: string): Promise<string[]>;
  /** Removes every member of the room (destroy); returns the sessions removed. */
  clear(appKey: string, roomId: string): Promise<RoomMember[]>;
  /** Removes the user's sessions from the room (block/kick); returns them. */
  removeUser(appKey: string, roomId: string, userId: string): Promise<RoomMember[]>;
}
