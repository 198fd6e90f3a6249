/** WebSocket close codes the server uses (docs/protocol.md). */
export const closeCodes = {
  normal: 1000,
  /** No `connect` frame within the handshake time. */
  handshakeTimeout: 4000,
  /** `connect` with a bad, foreign or revoked token. */
  badToken: 4001,
  /** Sent after a `kicked` frame. */
  kicked: 4002,
  /** The node is shutting down: reconnect (to another node). */
  goingAway: 4003,
  /** The device stopped reading and the server stopped buffering for it: reconnect to catch up. */
  tooSlow: 4008,
  /** The inbox store lost its data (Redis restarted empty): reconnect to learn of the gap. */
  storeReset: 4009,
  /** Too many frames from this session, or too many new connections from this address: back off. */
  rateLimited: 4029,
  /** A frame that breaks the protocol (RongCloud gateway): the socket is closed. */
  protocolError: 1002,
  /** The server failed while opening the session: reconnect. */
  internalError: 1011,
} as const;
