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

/** How often a node reads which other nodes are alive. */
const viewRefreshMs = 1_000;
/** A view older than this (its refreshes failing) is not trusted to say a node is alone. */
const viewStaleMs = 3 * viewRefreshMs;

/**
 * Keeps this node's presence entry alive, renewing it three times per ttl, so that a
 * node that dies has its sessions disappear within `nodeTtlMs`; and keeps this node's view
 * of the other live nodes, refreshed every second.
 *
 * A node that starts while others are alive waits two refreshes before it serves, so
 * every node knows of it before it holds a session: a node that sees no other may then
 * skip reading presence for the live push and still reach every session (`alone`).
 */
export class NodeLiveness {
  private timer: NodeJS.Timeout | undefined;
  private viewTimer: NodeJS.Timeout | undefined;
  private others: readonly string[] = [];
  private viewAt = Number.NEGATIVE_INFINITY;

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
    await this.refreshView();
    this.viewTimer = setInterval(() => void this.refreshView(), viewRefreshMs);
    if (this.others.length > 0) await new Promise((resolve) => setTimeout(resolve, 2 * viewRefreshMs + 200));
  }

  /** The other nodes alive at the last refresh. */
  otherNodes(): readonly string[] {
    return this.others;
  }

  /** True when no other node is alive and the view says so recently: this node holds every session. */
  alone(): boolean {
    return this.others.length === 0 && Date.now() - this.viewAt < viewStaleMs;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.viewTimer);
    await this.presence.dropNode(this.nodeId);
  }

  private async refreshView(): Promise<void> {
    try {
      this.others = (await this.presence.liveNodes()).filter((id) => id !== this.nodeId);
      this.viewAt = Date.now();
    } catch (err) {
      this.logger.error({ err }, 'could not read which nodes are alive');
    }
  }
}
