/** WebSocket close codes the server uses (PROTOCOL.md). */
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
  /** A frame that breaks the protocol (RongCloud gateway): the socket is closed. */
  protocolError: 1002,
  /** The server failed while opening the session: reconnect. */
  internalError: 1011,
} as const;
