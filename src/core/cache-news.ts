import type { Bus, CachedKind } from '../store/bus.js';
import type { Presence } from '../store/presence.js';

/**
 * Tells the other nodes that data they cache per node changed (group members, ultra group
 * audiences, users' relations), so that they drop it at once. Pub/sub may lose a message:
 * the caches' few-second lifetime stays the bound then.
 */
export class CacheNews {
  constructor(
    private readonly bus: Bus,
    private readonly presence: Presence,
    private readonly nodeId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Resolves once the news is published (not once every node has read it); never rejects. */
  async announce(appKey: string, kind: CachedKind, ids: readonly string[]): Promise<void> {
    try {
      const others = (await this.presence.liveNodes()).filter((nodeId) => nodeId !== this.nodeId);
      await Promise.all(others.map((nodeId) => this.bus.publish(nodeId, { type: 'stale', appKey, kind, ids: [...ids] })));
    } catch (err) {
      this.onError(err);
    }
  }
}
