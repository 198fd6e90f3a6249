import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ConnectionLimits } from '../core/connection-limits.js';
import type { Devices } from '../core/devices.js';
import { closeCodes } from './close-codes.js';
import { Connection } from './connection.js';
import type { FrameRate } from './frame-budget.js';
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
  /** What one session may send; `perSecond` 0: no limit. */
  frameRate: FrameRate;
  /** New connections per client address in a minute, counted across nodes; 0: no limit. */
  connectionsPerMinute: number;
  /** The client address is the last X-Forwarded-For entry (a reverse proxy in front). */
  trustProxy: boolean;
}

export const defaultGatewayOptions: GatewayOptions = {
  handshakeTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  maxFrameBytes: 512 * 1024,
  sendBufferLimits: defaultSendBufferLimits,
  closeGraceMs: 2_000,
  frameRate: { perSecond: 200, burst: 400 },
  connectionsPerMinute: 600,
  trustProxy: false,
};

/** What the gateway needs of one device's socket, whichever protocol it speaks. */
export interface DeviceSocket {
  /** Heartbeat: drops a socket that did not answer the previous probe. */
  probe(): void;
  /** Tells the device why (in its protocol's terms), then closes. */
  close(code: number, reason: string): void;
  terminate(): void;
}

/** Counts one protocol's frames (metrics). */
export interface FrameCounter {
  received(): void;
  sent(): void;
}

const uncounted: FrameCounter = { received: () => undefined, sent: () => undefined };

/** What a connection needs from the gateway that owns it. */
export interface GatewayContext {
  logger: Logger;
  /** The counter of a protocol's frames; a connection takes its own once. */
  frameCounter(protocol: 'parley' | 'rongcloud'): FrameCounter;
  devices: Devices;
  handshakeTimeoutMs: number;
  sendBufferLimits: SendBufferLimits;
  /** What one session may send (`perSecond` 0: no limit). */
  frameRate: FrameRate;
  /** The client's address as this deployment sees it (behind a trusted proxy: from X-Forwarded-For). */
  addressOf(request: IncomingMessage): string | undefined;
  /** The connection's socket closed. */
  closed(connection: DeviceSocket): void;
}

/** Another protocol served beside `/ws` on the same HTTP server (RongCloud's, at `/websocket`). */
export interface GatewayEndpoint {
  path: string;
  /** Largest frame this protocol accepts. */
  maxFrameBytes: number;
  accept(ws: WebSocket, request: IncomingMessage, context: GatewayContext): DeviceSocket;
}

/**
 * The WebSocket endpoints on the HTTP server (`/ws`, and those added: RongCloud's
 * `/websocket`): accepts upgrades, keeps this node's
 * connections for the heartbeat and for shutdown, and drops sockets that stop answering
 * pings. Everything a connection does goes through the core's device sessions.
 */
export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly endpoints = new Map<string, { endpoint: GatewayEndpoint; wss: WebSocketServer }>();
  private readonly connections = new Set<DeviceSocket>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly context: GatewayContext;
  /**
   * One error listener for every upgrade socket: a peer may reset the connection at any
   * moment, and without a listener that error would be thrown from the socket and end the
   * process. Made once here, not per upgrade, where its closure would keep the upgrade
   * request alive as long as the socket.
   */
  private readonly onUpgradeSocketError = (err: Error) => this.context.logger.debug({ err }, 'upgrade socket error');

  constructor(
    logger: Logger,
    devices: Devices,
    /** New connections per address, counted across nodes. */
    private readonly connectionLimits: Pick<ConnectionLimits, 'allowed'>,
    private readonly options: GatewayOptions = defaultGatewayOptions,
    frameCounter: GatewayContext['frameCounter'] = () => uncounted,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
    this.context = {
      logger,
      frameCounter,
      devices,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      sendBufferLimits: options.sendBufferLimits,
      frameRate: options.frameRate,
      addressOf: (request) => clientAddress(request, options.trustProxy),
      closed: (connection) => this.connections.delete(connection),
    };
    this.heartbeat = setInterval(() => this.connections.forEach((c) => c.probe()), options.heartbeatMs);
  }

  /** Serves another protocol's path; its sockets get the same heartbeat, shutdown and send bounds. */
  addEndpoint(endpoint: GatewayEndpoint): void {
    this.endpoints.set(endpoint.path, { endpoint, wss: new WebSocketServer({ noServer: true, maxPayload: endpoint.maxFrameBytes }) });
  }

  /** Serves upgrades on `app.server`. */
  attach(app: FastifyInstance): void {
    app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  /**
   * Stops the heartbeat and tells every device to reconnect elsewhere; sockets that have
   * not closed within `closeGraceMs` (a device that stopped reading) are cut, so shutdown
   * never waits on a peer.
   */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const connection of this.connections) connection.close(closeCodes.goingAway, 'server shutting down');
    const deadline = Date.now() + this.options.closeGraceMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const connection of this.connections) connection.terminate();
    this.wss.close();
    for (const { wss } of this.endpoints.values()) wss.close();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', this.onUpgradeSocketError);
    const path = (request.url ?? '').split('?')[0] ?? '';
    const other = this.endpoints.get(path);
    if (path !== '/ws' && !other) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
      return;
    }
    const address = this.context.addressOf(request);
    void this.connectionLimits.allowed(address, this.options.connectionsPerMinute).then((allowed) =>
      (other?.wss ?? this.wss).handleUpgrade(request, socket, head, (ws) => {
        // Refused after the handshake, so that a browser sees why (a refused upgrade is only 1006 to it).
        if (!allowed) return ws.close(closeCodes.rateLimited, 'too many new connections from this address');
        this.connections.add(other ? other.endpoint.accept(ws, request, this.context) : new Connection(ws, this.context, address));
      }),
    );
  }
}

/** The client's address: the socket's peer, or behind a trusted proxy the last address it appended to X-Forwarded-For. */
function clientAddress(request: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwarded = trustProxy ? request.headers['x-forwarded-for'] : undefined;
  const last = (Array.isArray(forwarded) ? forwarded.at(-1) : forwarded)?.split(',').at(-1)?.trim();
  return last || request.socket.remoteAddress;
}
