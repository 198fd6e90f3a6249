export type BusHandler = (payload: string) => void;

/**
 * Node-addressed messaging between nodes: carries text, knowing nothing of what it means
 * (core/node-events.ts owns the protocol). Delivery is at most once and may be lost;
 * payloads to one node arrive in publish order. Publishing to a node nobody subscribed is a
 * no-op.
 */
export interface Bus {
  publish(nodeId: string, payload: string): Promise<void>;
  /** One handler per node id; resolves once payloads published afterwards will arrive. */
  subscribe(nodeId: string, handler: BusHandler): Promise<void>;
  unsubscribe(nodeId: string): Promise<void>;
}
