import type { DeviceSession } from './device-session.js';

const userKey = (appKey: string, userId: string) => `${appKey}\u0000${userId}`;

/**
 * The device sessions this node holds, by session and by user: where pushes addressed to
 * this node go, and what the live push reads instead of Redis when this node is the only
 * one (docs/architecture.md "Hot path").
 */
export class LocalSessions {
  private readonly bySession = new Map<string, DeviceSession>();
  private readonly byUser = new Map<string, Set<DeviceSession>>();

  get size(): number {
    return this.bySession.size;
  }

  add(session: DeviceSession): void {
    this.bySession.set(session.info.sessionId, session);
    const key = userKey(session.app.appKey, session.info.userId);
    let sessions = this.byUser.get(key);
    if (!sessions) this.byUser.set(key, (sessions = new Set()));
    sessions.add(session);
  }

  /** False when the session was not (or no longer) held. */
  remove(session: DeviceSession): boolean {
    if (this.bySession.get(session.info.sessionId) !== session) return false;
    this.bySession.delete(session.info.sessionId);
    const key = userKey(session.app.appKey, session.info.userId);
    const sessions = this.byUser.get(key);
    sessions?.delete(session);
    if (sessions?.size === 0) this.byUser.delete(key);
    return true;
  }

  get(sessionId: string): DeviceSession | undefined {
    return this.bySession.get(sessionId);
  }

  ofUser(appKey: string, userId: string): ReadonlySet<DeviceSession> {
    return this.byUser.get(userKey(appKey, userId)) ?? noSessions;
  }

  all(): IterableIterator<DeviceSession> {
    return this.bySession.values();
  }
}

const noSessions: ReadonlySet<DeviceSession> = new Set();
