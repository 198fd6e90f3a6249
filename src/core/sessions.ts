import { type Presence } from '../store/presence.js';
import { bySessionAge, type SessionInfo } from '../model/session.js';
import type { App } from './apps.js';
import type { KickReason } from '../model/kick.js';
import type { NodeEvents } from './node-events.js';
import { sessionsToEvict } from './session-policy.js';

/**
 * Opens and closes device sessions across nodes: applies the session policy,
 * records presence and asks the nodes holding evicted sessions to kick them.
 */
export class SessionService {
  constructor(
    private readonly presence: Presence,
    private readonly nodes: NodeEvents,
  ) {}

  /**
   * Registers `session`, kicking what the policy evicts; returns the evicted sessions.
   * Added first and judged only against older sessions, so two logins racing on
   * different nodes agree: the newest stays, each older one is evicted by a newer one.
   */
  async open(app: App, session: SessionInfo): Promise<SessionInfo[]> {
    await this.presence.add(app.appKey, session);
    const older = (await this.presence.list(app.appKey, session.userId)).filter(
      (s) => s.sessionId !== session.sessionId && bySessionAge(s, session) < 0,
    );
    const evictions = sessionsToEvict(older, session, app.features);
    await Promise.all(evictions.map((e) => this.kick(app.appKey, e.session, e.reason)));
    return evictions.map((e) => e.session);
  }

  async close(appKey: string, session: SessionInfo): Promise<void> {
    await this.presence.remove(appKey, session);
  }

  /** Kicks every session of `userId` matching `which`; returns how many. */
  async kickUser(
    appKey: string,
    userId: string,
    reason: KickReason,
    which: (session: SessionInfo) => boolean = () => true,
  ): Promise<number> {
    const sessions = (await this.presence.list(appKey, userId)).filter(which);
    await Promise.all(sessions.map((s) => this.kick(appKey, s, reason)));
    return sessions.length;
  }

  isOnline(appKey: string, userId: string): Promise<boolean> {
    return this.presence.isOnline(appKey, userId);
  }

  private async kick(appKey: string, session: SessionInfo, reason: KickReason): Promise<void> {
    // Forget it now so the next policy decision does not count it twice.
    await this.presence.remove(appKey, session);
    await this.nodes.send(session.nodeId, {
      type: 'kick',
      appKey,
      userId: session.userId,
      sessionId: session.sessionId,
      reason,
    });
  }
}
