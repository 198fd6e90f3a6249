import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Clock } from '../model/clock.js';
import type { DeliveryService } from '../core/delivery.js';
import type { LocalDelivery } from '../core/local-delivery.js';
import type { PermissionService } from '../core/permissions.js';
import type { ConversationDelivery } from '../core/conversation-delivery.js';
import type { ChatroomRules } from '../core/conversation-rules.js';
import type { HistoryService } from '../core/history.js';
import type { ConversationListService } from '../core/conversation-list.js';
import type { RecallService } from '../core/recall.js';
import type { ChatroomMembers } from '../store/chatroom-members.js';
import type { SessionService } from '../core/sessions.js';
import type { UserService } from '../core/users.js';
import type { Bus, CachedKind, NodeEvent, PushItem } from '../store/bus.js';
import type { Inbox } from '../store/inbox.js';
import { closeCodes } from './close-codes.js';
import { Connection } from './connection.js';
import { defaultSendBufferLimits, type SendBufferLimits } from './socket-writer.js';

export interface GatewayOptions {
  handshakeTimeoutMs: number;
  heartbeatMs: number;
  /** Largest client frame; a `content` of 128 KB plus its envelope fits. */
  maxFrameBytes: number;
  /** What one session may have unwritten before it is closed as too slow. */
  sendBufferLimits: SendBufferLimits;
  /** On shutdown, how long devices have to answer the close before their sockets are cut. */
  closeGraceMs: number;
}

export const defaultGatewayOptions: GatewayOptions = {
  handshakeTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  maxFrameBytes: 512 * 1024,
  sendBufferLimits: defaultSendBufferLimits,
  closeGraceMs: 2_000,
};

export interface GatewayDeps {
  nodeId: string;
  clock: Clock;
  logger: Logger;
  bus: Bus;
  users: UserService;
  sessions: SessionService;
  delivery: DeliveryService;
  conversations: ConversationDelivery;
  history: HistoryService;
  conversationList: ConversationListService;
  recalls: RecallService;
  chatrooms: ChatroomRules;
  chatroomMembers: ChatroomMembers;
  permissions: PermissionService;
  inbox: Inbox;
  localDelivery: LocalDelivery;
  /** Another node changed these: this node drops what it cached of them. */
  forgetCached(appKey: string, kind: CachedKind, ids: readonly string[]): void;
}

/** What a connection needs from the gateway that owns it. */
export interface GatewayContext extends Omit<GatewayDeps, 'bus' | 'localDelivery' | 'forgetCached'> {
  handshakeTimeoutMs: number;
  sendBufferLimits: SendBufferLimits;
  register(connection: Connection): void;
  unregister(connection: Connection): void;
}

/**
 * The WebSocket endpoint `/ws` on the HTTP server: accepts upgrades, keeps this
 * node's connections by session id, executes kicks addressed to this node and drops
 * sockets that stop answering pings.
 */
export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private readonly bySession = new Map<string, Connection>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly context: GatewayContext;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly options: GatewayOptions = defaultGatewayOptions,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
    this.context = {
      ...deps,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      sendBufferLimits: options.sendBufferLimits,
      register: (c) => c.sessionId && this.bySession.set(c.sessionId, c),
      unregister: (c) => c.sessionId && this.bySession.get(c.sessionId) === c && this.bySession.delete(c.sessionId),
    };
    this.heartbeat = setInterval(() => this.connections.forEach((c) => c.probe()), options.heartbeatMs);
  }

  /** Subscribes to this node's events and serves upgrades on `app.server`. */
  async attach(app: FastifyInstance): Promise<void> {
    this.deps.localDelivery.install((appKey, items) => this.deliver(appKey, items));
    await this.deps.bus.subscribe(this.deps.nodeId, (event) => this.onNodeEvent(event));
    app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  /**
   * Stops the heartbeat, tells every device to reconnect elsewhere, stops listening to the
   * bus; sockets that have not closed within `closeGraceMs` (a device that stopped reading)
   * are cut, so shutdown never waits on a peer.
   */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const connection of this.connections) connection.close(closeCodes.goingAway, 'server shutting down');
    await this.deps.bus.unsubscribe(this.deps.nodeId);
    const deadline = Date.now() + this.options.closeGraceMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const connection of this.connections) connection.terminate();
    this.wss.close();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A peer may reset the connection at any moment; without a listener that error would
    // be thrown from the socket and end the process.
    socket.on('error', (err) => this.deps.logger.debug({ err }, 'upgrade socket error'));
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new Connection(ws, this.context);
      this.connections.add(connection);
      ws.on('close', () => this.connections.delete(connection));
    });
  }

  private onNodeEvent(event: NodeEvent): void {
    switch (event.type) {
      case 'kick':
        this.bySession.get(event.sessionId)?.kick(event.reason);
        return;
      case 'push':
        this.deliver(event.appKey, event.items);
        return;
      case 'room-left':
        for (const sessionId of event.sessionIds) this.bySession.get(sessionId)?.leftRoom(event.roomId);
        return;
      case 'stale':
        this.deps.forgetCached(event.appKey, event.kind, event.ids);
        return;
    }
  }

  private deliver(appKey: string, items: readonly PushItem[]): void {
    for (const { sessionIds, message } of items) {
      if (sessionIds === 'all') {
        for (const connection of this.bySession.values()) if (connection.appKey === appKey) connection.push(message);
      } else {
        for (const sessionId of sessionIds) this.bySession.get(sessionId)?.push(message);
      }
    }
  }
}
