import { randomUUID } from 'node:crypto';
import type { SessionInfo } from '../model/session.js';
import type { ListedSession, NodeEvents, NodeSessions } from './node-events.js';

/** The most sessions one node lists: the console shows who is on, not a dump of a big node. */
export const maxListedSessions = 500;

/** How long the other nodes have to answer. */
export const answerWithinMs = 1_000;

/** A node asked and, if it answered in time, what it holds. */
export type NodeAnswer = { nodeId: string; answered: false } | ({ answered: true } & NodeSessions);

/**
 * Who is online on every node (docs/admin.md "The console's reads"): each node knows only
 * the sessions it holds (presence is indexed by user), so the node asked asks the others
 * over the node events and gathers their answers for up to a second. A node that does not
 * answer (busy, or gone since the last view of the cluster) is listed as such.
 */
export class OnlineSessions {
  private readonly asks = new Map<string, (node: NodeSessions) => void>();

  constructor(
    private readonly nodes: NodeEvents,
    private readonly held: () => Array<SessionInfo & { appKey: string }>,
    private readonly otherNodes: () => readonly string[],
  ) {
    nodes.on('sessions-asked', ({ askId, replyTo }) => {
      nodes.send(replyTo, { type: 'sessions-told', askId, node: this.own() }).catch(() => undefined);
    });
    nodes.on('sessions-told', ({ askId, node }) => this.asks.get(askId)?.(node));
  }

  /** This node first, then the others in the order of the cluster view. */
  async byNode(): Promise<NodeAnswer[]> {
    const others = [...this.otherNodes()];
    const answers = new Map<string, NodeSessions>();
    if (others.length > 0) {
      const askId = randomUUID();
      const everyAnswer = new Promise<void>((resolve) => {
        this.asks.set(askId, (node) => {
          answers.set(node.nodeId, node);
          if (others.every((nodeId) => answers.has(nodeId))) resolve();
        });
      });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, answerWithinMs)));
      try {
        await this.nodes.toOthers({ type: 'sessions-asked', askId, replyTo: this.nodes.nodeId });
        await Promise.race([everyAnswer, late]);
      } catch {
        // The bus failed: the others are listed as not answering.
      } finally {
        clearTimeout(timer);
        this.asks.delete(askId);
      }
    }
    return [
      { answered: true, ...this.own() },
      ...others.map((nodeId): NodeAnswer => {
        const node = answers.get(nodeId);
        return node ? { answered: true, ...node } : { nodeId, answered: false };
      }),
    ];
  }

  private own(): NodeSessions {
    const held = this.held();
    const sessions = held.slice(0, maxListedSessions).map(({ appKey, userId, deviceId, platform, connectedAt }): ListedSession => ({ appKey, userId, deviceId, platform, connectedAt }));
    return { nodeId: this.nodes.nodeId, total: held.length, sessions };
  }
}
