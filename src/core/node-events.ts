import type { Logger } from 'pino';
import type { KickReason } from '../model/kick.js';
import type { Bus } from '../store/bus.js';

/** Whose sessions on the receiving node get a pushed message. */
export type PushTarget =
  /** These users' sessions, each with its inbox seq for the message (none for online-only kinds). */
  | { users: Array<[userId: string, seq: number | undefined]>; skipSessionId?: string }
  /** These sessions (chatroom members), if they are still in `roomId`. */
  | { sessions: string[]; roomId: string }
  /** Every session of the app (the online broadcast). */
  | { everyone: true };

/** One message for some of a node's sessions; `message` is the view's JSON (core/outgoing.ts). */
export interface PushItem {
  to: PushTarget;
  message: string;
}

/** What nodes cache of shared data, by id: group members and ultra group audiences (group ids), relations (user ids). */
export type CachedKind = 'group' | 'ultragroup' | 'relations';

/** What one node asks of another. */
export type NodeEvent =
  | { type: 'push'; appKey: string; items: PushItem[] }
  | { type: 'kick'; appKey: string; userId: string; sessionId: string; reason: KickReason }
  /** These sessions were removed from a chatroom (kick, block, destroy). */
  | { type: 'room-left'; appKey: string; roomId: string; sessionIds: string[] }
  /** Another node changed these: drop what is cached of them. */
  | { type: 'stale'; appKey: string; kind: CachedKind; ids: string[] }
  /** An app's settings changed in the store (docs/admin.md): read the apps again. */
  | { type: 'apps-changed'; appKey: string }
  /** The console asks which sessions each node holds (core/online-sessions.ts): answer `replyTo`. */
  | { type: 'sessions-asked'; askId: string; replyTo: string }
  | { type: 'sessions-told'; askId: string; node: NodeSessions };

/** A node's device sessions as the console lists them: the first ones, and how many in all. */
export interface NodeSessions {
  nodeId: string;
  total: number;
  sessions: ListedSession[];
}

export interface ListedSession {
  appKey: string;
  userId: string;
  deviceId: string;
  platform: string;
  connectedAt: number;
}

type Handler<T extends NodeEvent['type']> = (event: Extract<NodeEvent, { type: T }>) => void;

/** The wire version; a node drops (and logs) events of a version it does not speak. */
const wireVersion = 1;

export function encodeNodeEvent(event: NodeEvent): string {
  return JSON.stringify({ v: wireVersion, ...event });
}

export function decodeNodeEvent(text: string): NodeEvent | undefined {
  const value = JSON.parse(text) as { v?: unknown } & NodeEvent;
  if (value.v !== wireVersion) return undefined;
  return value;
}

/**
 * The node-to-node protocol: the one place that knows what nodes tell each other and how
 * it is encoded. The bus below carries text only; whoever acts on an event registers a
 * handler here (the device sessions for pushes, kicks and room exits; the caches for
 * staleness), so a node without a gateway still drops its stale caches. Delivery is at
 * most once and unordered across nodes: a lost push is recovered from the inbox, a lost
 * staleness notice by the cache's ttl, a lost app change by the periodic re-read.
 */
export class NodeEvents {
  private readonly handlers = new Map<NodeEvent['type'], Array<(event: NodeEvent) => void>>();

  constructor(
    private readonly bus: Bus,
    /** The other live nodes, as this node last saw them (NodeLiveness). */
    private readonly otherNodes: () => readonly string[],
    readonly nodeId: string,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
  ) {}

  on<T extends NodeEvent['type']>(type: T, handler: Handler<T>): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler as (event: NodeEvent) => void);
    this.handlers.set(type, list);
  }

  /** Starts receiving the events addressed to this node. */
  start(): Promise<void> {
    return this.bus.subscribe(this.nodeId, (text) => this.receive(text));
  }

  stop(): Promise<void> {
    return this.bus.unsubscribe(this.nodeId);
  }

  /** To one node; this node's own events are handled here without the bus. */
  async send(nodeId: string, event: NodeEvent): Promise<void> {
    if (nodeId === this.nodeId) queueMicrotask(() => this.dispatch(event));
    else await this.bus.publish(nodeId, encodeNodeEvent(event));
  }

  /** To every other live node (as seen at the last refresh of the cluster view). */
  async toOthers(event: NodeEvent): Promise<void> {
    const text = encodeNodeEvent(event);
    await Promise.all(this.otherNodes().map((nodeId) => this.bus.publish(nodeId, text)));
  }

  private receive(text: string): void {
    let event: NodeEvent | undefined;
    try {
      event = decodeNodeEvent(text);
    } catch (err) {
      this.logger.warn({ err }, 'dropped a node event that does not decode');
      return;
    }
    if (!event) {
      this.logger.warn({ event: text.slice(0, 64) }, 'dropped a node event of another wire version');
      return;
    }
    this.dispatch(event);
  }

  private dispatch(event: NodeEvent): void {
    for (const handler of this.handlers.get(event.type) ?? []) {
      try {
        handler(event);
      } catch (err) {
        this.logger.error({ err, type: event.type }, 'a node event handler failed');
      }
    }
  }
}
