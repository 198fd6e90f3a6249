import type { Bus, PushItem } from '../store/bus.js';
import type { SessionInfo } from '../model/session.js';

/**
 * Carries live pushes to the nodes holding the target sessions: one bus event per
 * node per send, never one per recipient; pushes for this node skip the bus.
 */
export class PushRouter {
  constructor(
    private readonly bus: Bus,
    private readonly nodeId: string,
    private readonly deliverLocal: (appKey: string, items: readonly PushItem[]) => void,
  ) {}

  async push(appKey: string, deliveries: ReadonlyArray<{ sessions: ReadonlyArray<Pick<SessionInfo, 'sessionId' | 'nodeId'>>; message: PushItem['message'] }>): Promise<void> {
    const byNode = new Map<string, PushItem[]>();
    for (const { sessions, message } of deliveries) {
      const perNode = new Map<string, string[]>();
      for (const session of sessions) {
        const ids = perNode.get(session.nodeId) ?? [];
        ids.push(session.sessionId);
        perNode.set(session.nodeId, ids);
      }
      for (const [nodeId, sessionIds] of perNode) {
        const items = byNode.get(nodeId) ?? [];
        items.push({ sessionIds, message });
        byNode.set(nodeId, items);
      }
    }
    await Promise.all(
      [...byNode].map(async ([nodeId, items]) => {
        if (nodeId === this.nodeId) this.deliverLocal(appKey, items);
        else await this.bus.publish(nodeId, { type: 'push', appKey, items });
      }),
    );
  }

  /** Every session of the app on every live node (online broadcast). */
  async pushToApp(appKey: string, nodes: readonly string[], message: PushItem['message']): Promise<void> {
    await Promise.all(
      nodes.map(async (nodeId) => {
        if (nodeId === this.nodeId) this.deliverLocal(appKey, [{ sessionIds: 'all', message }]);
        else await this.bus.publish(nodeId, { type: 'push', appKey, items: [{ sessionIds: 'all', message }] });
      }),
    );
  }
}
