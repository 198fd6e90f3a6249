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
  remove(appKey: string, session: Pick<SessionInfo, 'userId' | 'sessionId' | 'nodeId'>): Promise<void>;
  list(appKey: string, userId: string): Promise<SessionInfo[]>;
  /** The live sessions of many users in one round trip (users with none are absent). */
  listMany(appKey: string, userIds: readonly string[]): Promise<Map<string, SessionInfo[]>>;
  /**
   * The nodes holding sessions of each user, in one round trip and without reading the
   * sessions (users with none are absent): where a live push must go. A node that died
   * may still be listed until its sessions are cleaned up; a push to it is lost harmlessly.
   */
  nodesOf(appKey: string, userIds: readonly string[]): Promise<Map<string, string[]>>;
  isOnline(appKey: string, userId: string): Promise<boolean>;
  /** Declares `nodeId` alive for `ttlMs` more milliseconds. */
  keepNodeAlive(nodeId: string, ttlMs: number): Promise<void>;
  /** Forgets `nodeId` at once (graceful shutdown). */
  dropNode(nodeId: string): Promise<void>;
  /** Ids of the nodes currently alive. */
  liveNodes(): Promise<string[]>;
}
