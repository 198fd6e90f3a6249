/** Wire types of docs/protocol.md as a device sees them (types only: nothing of the server is bundled). */
import type { DeliveredMessage } from '../model/message.js';

/** A message as the device receives it; `seq` is present on inbox entries only. */
export type ClientMessage = DeliveredMessage;

export interface ConnectResult {
  userId: string;
  sessionId: string;
  seq: number;
  epoch: string;
}

/** The push services a device may register a token with (`push.register`). */
export type PushProvider = 'apns' | 'fcm';

export interface SyncedFrame {
  op: 'synced';
  seq: number;
  gap?: { fromSeq: number; toSeq: number; reason: 'retention' | 'cap' | 'epoch' };
}

export interface KickedFrame {
  op: 'kicked';
  reason: 'same-platform-login' | 'web-limit' | 'token-revoked' | 'user-blocked';
}

/** A message's key/values changed (docs/protocol.md "Expansion changes"). */
export interface ExpansionChange {
  messageUId: string;
  conversationType: number;
  targetId: string;
  busChannel: string;
  operatorId: string;
  changedAt: number;
  put?: Record<string, string>;
  del?: string[];
  seq?: number;
}

export type ServerFrame =
  | { op: 'result'; id: number | string | null; ok: true; data: unknown }
  | { op: 'result'; id: number | string | null; ok: false; code: number; error: string }
  | { op: 'message'; message: ClientMessage }
  | { op: 'expansion'; expansion: ExpansionChange }
  | SyncedFrame
  | KickedFrame;
