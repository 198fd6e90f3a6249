import type { Bus, MembershipKind } from '../store/bus.js';
import type { Presence } from '../store/presence.js';

/**
 * Tells the other nodes that groups' memberships changed, so that their per-node member
 * caches drop those groups at once. Pub/sub may lose a message: the caches' few-second
 * lifetime stays the bound then.
 */
export class MembershipNews {
  constructor(
    private readonly bus: Bus,
    private readonly presence: Presence,
    private readonly nodeId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Resolves once the news is published (not once every node has read it); never rejects. */
  async announce(appKey: string, kind: MembershipKind, groupIds: readonly string[]): Promise<void> {
    try {
      const others = (await this.presence.liveNodes()).filter((nodeId) => nodeId !== this.nodeId);
      await Promise.all(others.map((nodeId) => this.bus.publish(nodeId, { type: 'members-changed', appKey, kind, groupIds: [...groupIds] })));
    } catch (err) {
      this.onError(err);
    }
  }
}
