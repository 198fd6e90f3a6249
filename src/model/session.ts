import type { Platform } from './platform.js';

/** One device session as every node sees it. */
export interface SessionInfo {
  sessionId: string;
  userId: string;
  deviceId: string;
  platform: Platform;
  nodeId: string;
  /** Epoch ms; orders sessions for "evict the earliest". */
  connectedAt: number;
  /** Epoch ms the session's token was issued; `token/expire` kicks older ones. */
  tokenIssuedAt: number;
}

export function bySessionAge(a: SessionInfo, b: SessionInfo): number {
  return a.connectedAt - b.connectedAt || a.sessionId.localeCompare(b.sessionId);
}
