/**
 * `parley/client` in browsers and bundlers: the typed device client on the global
 * `WebSocket`, and the wire types of docs/protocol.md. Nothing here imports Node.
 */
export { ParleyClient, ParleyRequestError, globalSocket } from './client.js';
export type { ClientEvents, ClientOptions, SocketFactory, WebSocketLike } from './client.js';
export type * from './protocol.js';
