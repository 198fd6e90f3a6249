import type { Logger } from 'pino';
import type { Presence } from '../store/presence.js';

/** How long a node counts as alive after its last renewal. */
export const nodeTtlMs = 10_000;

/**
 * Keeps this node's presence entry alive, renewing it three times per ttl, so that a
 * node that dies has its sessions disappear within `nodeTtlMs`.
 */
export class NodeLiveness {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly presence: Presence,
    private readonly nodeId: string,
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  async start(): Promise<void> {
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
