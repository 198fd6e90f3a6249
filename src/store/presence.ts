import type { SessionInfo } from '../model/session.js';

/**
 * Which node holds which device session, visible to all nodes.
 *
 * - A session is listed from `add` until `remove`, or until its node stops calling
 *   `keepNodeAlive` for longer than the ttl it gave: a dead node's sessions vanish
 *   within seconds without anyone removing them.
 * - `list` returns a user's live sessions ordered by `connectedAt`, then `sessionId`.
 * - `remove` of an unknown session is a no-op.
 */
export interface Presence {
  add(appKey: string, session: SessionInfo): Promise<void>;
  remove(appKey: string, userId: string, sessionId: string): Promise<void>;
  list(appKey: string, userId: string): Promise<SessionInfo[]>;
  /** The live sessions of many users in one round trip (users with none are absent). */
  listMany(appKey: string, userIds: readonly string[]): Promise<Map<string, SessionInfo[]>>;
  isOnline(appKey: string, userId: string): Promise<boolean>;
  /** Declares `nodeId` alive for `ttlMs` more milliseconds. */
  keepNodeAlive(nodeId: string, ttlMs: number): Promise<void>;
  /** Forgets `nodeId` at once (graceful shutdown). */
  dropNode(nodeId: string): Promise<void>;
  /** Ids of the nodes currently alive. */
  liveNodes(): Promise<string[]>;
}
