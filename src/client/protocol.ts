/** Wire types of PROTOCOL.md as a device sees them. */

export interface ClientMessage {
  messageUId: string;
  /** Present on inbox entries only. */
  seq?: number;
  conversationType: number;
  targetId: string;
  busChannel: string;
  senderUserId: string;
  objectName: string;
  content: string;
  sentTime: number;
  sender: { name: string; portraitUri: string };
  pushContent: string;
  isStatus: boolean;
  recalled: boolean;
}

export interface ConnectResult {
  userId: string;
  sessionId: string;
  seq: number;
  epoch: string;
}

export interface SyncedFrame {
  op: 'synced';
  seq: number;
  gap?: { fromSeq: number; toSeq: number; reason: 'retention' | 'cap' | 'epoch' };
}

export interface KickedFrame {
  op: 'kicked';
  reason: 'same-platform-login' | 'web-limit' | 'token-revoked' | 'user-blocked';
}

export type ServerFrame =
  | { op: 'result'; id: number | string | null; ok: true; data: unknown }
  | { op: 'result'; id: number | string | null; ok: false; code: number; error: string }
  | { op: 'message'; message: ClientMessage }
  | SyncedFrame
  | KickedFrame;
