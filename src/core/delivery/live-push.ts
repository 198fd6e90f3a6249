import type { RoomMember } from '../../store/chatroom-members.js';
import type { Presence } from '../../store/presence.js';
import type { LocalSessions } from '../local-sessions.js';
import type { NodeEvents, PushItem } from '../node-events.js';
import type { NodeLiveness } from '../node-liveness.js';
import type { OutgoingMessage } from '../outgoing.js';

/** One message for some users, each with its inbox seq (if it has one). */
export interface UserDelivery {
  message: OutgoingMessage;
  users: ReadonlyArray<readonly [userId: string, seq: number | undefined]>;
  skipSessionId?: string | undefined;
}

/** One chatroom message for the sessions joined to the room. */
export interface RoomDelivery {
  roomId: string;
  message: OutgoingMessage;
  sessions: readonly RoomMember[];
}

/**
 * Live pushes (best effort: what must not be missed is in the inbox already): one node
 * event per node per send, never one per recipient; this node's own sessions get theirs
 * without the bus. Failures are reported, never thrown at the sender.
 */
export class LivePush {
  constructor(
    private readonly nodes: NodeEvents,
    private readonly presence: Pick<Presence, 'nodesOf'>,
    private readonly liveness: Pick<NodeLiveness, 'alone' | 'otherNodes'>,
    private readonly local: Pick<LocalSessions, 'ofUser'>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * Where the users' sessions are, for `toUsers`: this node's own sessions when no other
   * node is alive (no store read at all), else presence (one round trip).
   */
  async locate(appKey: string, userIds: readonly string[]): Promise<Map<string, string[]>> {
    if (!this.liveness.alone()) return this.presence.nodesOf(appKey, userIds);
    const here = [this.nodes.nodeId];
    return new Map(userIds.filter((userId) => this.local.ofUser(appKey, userId).size > 0).map((userId) => [userId, here]));
  }

  /** Pushes to users' sessions on the nodes `located` lists for them. */
  async toUsers(appKey: string, deliveries: readonly UserDelivery[], located: ReadonlyMap<string, readonly string[]>): Promise<void> {
    const byNode = new Map<string, PushItem[]>();
    for (const { message, users, skipSessionId } of deliveries) {
      const perNode = new Map<string, Array<[string, number | undefined]>>();
      for (const [userId, seq] of users) {
        for (const nodeId of located.get(userId) ?? []) {
          const list = perNode.get(nodeId);
          if (list) list.push([userId, seq]);
          else perNode.set(nodeId, [[userId, seq]]);
        }
      }
      for (const [nodeId, targets] of perNode) {
        pushTo(byNode, nodeId, { to: { users: targets, ...(skipSessionId && { skipSessionId }) }, message: message.json });
      }
    }
    await this.send(appKey, byNode);
  }

  async toRooms(appKey: string, deliveries: readonly RoomDelivery[]): Promise<void> {
    const byNode = new Map<string, PushItem[]>();
    for (const { roomId, message, sessions } of deliveries) {
      const perNode = new Map<string, string[]>();
      for (const { nodeId, sessionId } of sessions) perNode.set(nodeId, [...(perNode.get(nodeId) ?? []), sessionId]);
      for (const [nodeId, sessionIds] of perNode) pushTo(byNode, nodeId, { to: { sessions: sessionIds, roomId }, message: message.json });
    }
    await this.send(appKey, byNode);
  }

  /** Every session of the app on every live node. */
  async toEveryone(appKey: string, message: OutgoingMessage): Promise<void> {
    const nodes = [this.nodes.nodeId, ...this.liveness.otherNodes()];
    await this.send(appKey, new Map(nodes.map((nodeId) => [nodeId, [{ to: { everyone: true }, message: message.json }]])));
  }

  private async send(appKey: string, byNode: ReadonlyMap<string, PushItem[]>): Promise<void> {
    try {
      await Promise.all([...byNode].map(([nodeId, items]) => this.nodes.send(nodeId, { type: 'push', appKey, items })));
    } catch (err) {
      this.onError(err);
    }
  }
}

function pushTo(byNode: Map<string, PushItem[]>, nodeId: string, item: PushItem): void {
  const items = byNode.get(nodeId);
  if (items) items.push(item);
  else byNode.set(nodeId, [item]);
}
