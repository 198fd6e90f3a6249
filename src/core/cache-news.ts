import type { CachedKind, NodeEvents } from './node-events.js';

/**
 * Tells the other nodes that data they cache per node changed (group members, ultra group
 * audiences, users' relations), so that they drop it at once. A lost notice leaves the
 * caches' few-second lifetime as the bound.
 */
export class CacheNews {
  constructor(
    private readonly nodes: NodeEvents,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Resolves once the news is published (not once every node has read it); never rejects. */
  async announce(appKey: string, kind: CachedKind, ids: readonly string[]): Promise<void> {
    try {
      await this.nodes.toOthers({ type: 'stale', appKey, kind, ids: [...ids] });
    } catch (err) {
      this.onError(err);
    }
  }
}
