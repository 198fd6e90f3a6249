import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Clock } from '../core/clock.js';
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
import type { KickReason } from '../core/kick.js';
import type { DeliveredMessage } from '../core/message.js';
import type { WebSocket } from 'ws';
import { closeCodes } from './close-codes.js';
import { Connection } from './connection.js';

/** What the gateway needs of one device's socket, whichever protocol it speaks. */
export interface DeviceSocket {
  readonly sessionId: string | undefined;
  readonly appKey: string | undefined;
  push(message: DeliveredMessage): void;
  kick(reason: KickReason): void;
  leftRoom(roomId: string): void;
  /** Heartbeat: drops a socket that did not answer the previous probe. */
  probe(): void;
  close(code: number, reason: string): void;
}

/** Another protocol served beside `/ws` on the same HTTP server (RongCloud's, at `/websocket`). */
export interface GatewayEndpoint {
  path: string;
  /** Largest frame this protocol accepts. */
  maxFrameBytes: number;
  accept(ws: WebSocket, request: IncomingMessage, context: GatewayContext): DeviceSocket;
}

export interface GatewayOptions {
  handshakeTimeoutMs: number;
  heartbeatMs: number;
  /** Largest client frame; a `content` of 128 KB plus its envelope fits. */
  maxFrameBytes: number;
}

export const defaultGatewayOptions: GatewayOptions = {
  handshakeTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  maxFrameBytes: 512 * 1024,
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
  register(connection: DeviceSocket): void;
  unregister(connection: DeviceSocket): void;
}

/**
 * The WebSocket endpoint `/ws` on the HTTP server: accepts upgrades, keeps this
 * node's connections by session id, executes kicks addressed to this node and drops
 * sockets that stop answering pings.
 */
export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly endpoints = new Map<string, { endpoint: GatewayEndpoint; wss: WebSocketServer }>();
  private readonly connections = new Set<DeviceSocket>();
  private readonly bySession = new Map<string, DeviceSocket>();
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
      register: (c) => c.sessionId && this.bySession.set(c.sessionId, c),
      unregister: (c) => c.sessionId && this.bySession.get(c.sessionId) === c && this.bySession.delete(c.sessionId),
    };
    this.heartbeat = setInterval(() => this.connections.forEach((c) => c.probe()), options.heartbeatMs);
  }

  /** Serves another protocol's path; its sockets get the same pushes, kicks and heartbeat. */
  addEndpoint(endpoint: GatewayEndpoint): void {
    this.endpoints.set(endpoint.path, { endpoint, wss: new WebSocketServer({ noServer: true, maxPayload: endpoint.maxFrameBytes }) });
  }

  /** Subscribes to this node's events and serves upgrades on `app.server`. */
  async attach(app: FastifyInstance): Promise<void> {
    this.deps.localDelivery.install((appKey, items) => this.deliver(appKey, items));
    await this.deps.bus.subscribe(this.deps.nodeId, (event) => this.onNodeEvent(event));
    app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  /** Stops the heartbeat, tells every device to reconnect elsewhere, stops listening to the bus. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const connection of this.connections) connection.close(closeCodes.goingAway, 'server shutting down');
    await this.deps.bus.unsubscribe(this.deps.nodeId);
    this.wss.close();
    for (const { wss } of this.endpoints.values()) wss.close();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const other = this.endpoints.get(path);
    if (path !== '/ws' && !other) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    (other?.wss ?? this.wss).handleUpgrade(request, socket, head, (ws) => {
      const connection = other ? other.endpoint.accept(ws, request, this.context) : new Connection(ws, this.context);
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
