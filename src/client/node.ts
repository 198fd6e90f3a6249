/**
 * `parley/client` on Node: the same client, opening sockets with the global `WebSocket`
 * when Node has one (22 and later) and with `ws` otherwise (Node 20). A separate entry, so
 * that a browser bundle never pulls in `ws`.
 */
import WebSocket from 'ws';
import { ParleyClient as BaseClient, type ClientOptions, type SocketFactory, type WebSocketLike } from './client.js';

export * from './index.js';

export const nodeSocket: SocketFactory = (url) => {
  const Global = (globalThis as { WebSocket?: new (url: string) => unknown }).WebSocket;
  return (Global ? new Global(url) : new WebSocket(url)) as WebSocketLike;
};

export class ParleyClient extends BaseClient {
  constructor(options: ClientOptions) {
    super({ createSocket: nodeSocket, ...options });
  }
}
