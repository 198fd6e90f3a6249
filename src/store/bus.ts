import type { KickReason } from '../model/kick.js';
import type { DeliveredMessage } from '../model/message.js';

/** One message for some of a node's sessions ('all': every session of the app). */
export interface PushItem {
  sessionIds: string[] | 'all';
  message: DeliveredMessage;
}

/** What one node asks of another. Tagged union; extended by later features. */
export type NodeEvent =
  | { type: 'kick'; appKey: string; userId: string; sessionId: string; reason: KickReason }
  | { type: 'push'; appKey: string; items: PushItem[] }
  /** These sessions were removed from a chatroom (kick, block, destroy). */
  | { type: 'room-left'; appKey: string; roomId: string; sessionIds: string[] }
  /** Another node changed these: drop what is cached of them. */
  | { type: 'stale'; appKey: string; kind: CachedKind; ids: string[] };

/** What nodes cache: group members and ultra group audiences (by group id), a user's relations (by user id). */
export type CachedKind = 'group' | 'ultragroup' | 'relations';

export type NodeEventHandler = (event: NodeEvent) => void;

/**
 * Node-addressed messaging between nodes. Delivery is at most once and may be lost
 * (a live push lost in transit is recovered from the inbox); events to one node
 * arrive in publish order. Publishing to a node nobody subscribed is a no-op.
 */
export interface Bus {
  publish(nodeId: string, event: NodeEvent): Promise<void>;
  /** One handler per node id; resolves once events published afterwards will arrive. */
  subscribe(nodeId: string, handler: NodeEventHandler): Promise<void>;
  unsubscribe(nodeId: string): Promise<void>;
}
