import type { Logger } from 'pino';
import type { Presence } from '../store/presence.js';

/** How long a node counts as alive after its last renewal. */
export const nodeTtlMs = 10_000;

/**
 * A node's id in presence and on the bus: its configured name (NODE_ID) plus this boot's
 * own suffix, so that sessions recorded by an earlier run under the same name (killed
 * without a goodbye) are never taken for this run's.
 */
export function nodeIdFor(name: string, bootId: string): string {
  return `${name}#${bootId}`;
}

const nameOf = (nodeId: string) => nodeId.slice(0, nodeId.lastIndexOf('#'));

/**
 * Keeps this node's presence entry alive, renewing it three times per ttl, so that a
 * node that dies has its sessions disappear within `nodeTtlMs`.
 */
export class NodeLiveness {
  private timer: NodeJS.Timeout | undefined;

  /** `nodeId` as made by `nodeIdFor`. */
  constructor(
    private readonly presence: Presence,
    private readonly nodeId: string,
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  async start(): Promise<void> {
    // An earlier run of this node that died without a goodbye: its sessions go now, not after its ttl.
    const earlierRuns = (await this.presence.liveNodes()).filter((id) => id !== this.nodeId && nameOf(id) === nameOf(this.nodeId));
    await Promise.all(earlierRuns.map((id) => this.presence.dropNode(id)));
    await this.presence.keepNodeAlive(this.nodeId, nodeTtlMs);
    this.timer = setInterval(() => {
      this.presence.keepNodeAlive(this.nodeId, nodeTtlMs).catch((err: unknown) => {
        this.logger.error({ err }, 'could not renew node presence');
      });
    }, nodeTtlMs / 3);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.presence.dropNode(this.nodeId);
  }
}
