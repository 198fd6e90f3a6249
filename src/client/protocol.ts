/**
 * Wire types of docs/protocol.md as a device sees them. Types only, and only from
 * dependency-free model files: nothing of the server is bundled into a page.
 */
import type { ExpansionChange } from '../model/expansion-change.js';
import type { DeliveredMessage } from '../model/message.js';

export type { ExpansionChange };
import type { Platform } from '../model/platform.js';

export type { Platform };

/** A message as the device receives it; `seq` is present on inbox entries only. */
export type ClientMessage = DeliveredMessage;

/** 1 private, 3 group, 4 chatroom, 6 system, 10 ultra group. */
export type ConversationType = ClientMessage['conversationType'];

/** The handshake (docs/protocol.md "Handshake"); the client sends it from its options. */
export interface ConnectFields {
  token: string;
  deviceId: string;
  platform: Platform;
  lastSeq: number;
  epoch?: string;
  appKey?: string;
}

export interface ConnectResult {
  userId: string;
  sessionId: string;
  seq: number;
  epoch: string;
}

/** The push services a device may register a token with (`push.register`). */
export type PushProvider = 'apns' | 'fcm';

/** Request fields take conversation types as numbers: the server checks them (1002). */
export interface SendFields {
  /** 1 private, 3 group, 4 chatroom, 10 ultra group. */
  conversationType: number;
  targetId: string;
  objectName: string;
  /** An object, or its JSON as a string. */
  content: Record<string, unknown> | string;
  clientMsgId?: string;
  pushContent?: string;
  pushData?: string;
  /** Ultra groups: the channel. */
  busChannel?: string;
  /** Groups and ultra groups: only these members. */
  toUserIds?: string[];
}

export interface SendResult {
  messageUId: string;
  sentTime: number;
  /** The sender's own inbox seq for it (multiDeviceSync). */
  seq?: number;
}

export interface HistoryFields {
  conversationType: number;
  targetId: string;
  busChannel?: string;
  /** ms; default now. */
  before?: number;
  /** The previous page's `cursor`. */
  cursor?: string;
  /** 1–100, default 20. */
  limit?: number;
}

/** Newest first; the next page with `cursor` never skips or repeats. */
export interface HistoryPage {
  messages: ClientMessage[];
  hasMore: boolean;
  cursor: string;
}

/** Stored inbox entries after `afterSeq`: merge messages and expansions by `seq`. */
export interface SyncPage {
  messages: ClientMessage[];
  /** Absent from servers older than the `expansion` event. */
  expansions?: ExpansionChange[];
  hasMore: boolean;
}

export interface ReadFields {
  /** 1, 3, 6 or 10. */
  conversationType: number;
  targetId: string;
  busChannel?: string;
  /** ms: messages sent at or before it are read. */
  lastReadTime: number;
}

export interface ConversationEntry {
  conversationType: ConversationType;
  targetId: string;
  /** Ultra groups only. */
  busChannel?: string;
  latestMessage: ClientMessage;
  unreadCount: number;
  unpushLevel: number;
  isTop: boolean;
}

export interface ConversationNotification {
  conversationType: ConversationType;
  /** '' for a whole conversation type. */
  targetId: string;
  busChannel: string;
  unpushLevel: number;
}

/** An answer with nothing in it. */
export type Empty = Record<string, never>;

/** Every request after `connect`: its fields and the `data` of its result (docs/protocol.md "Requests"). */
export interface Requests {
  ping: { fields: Empty; data: Empty };
  send: { fields: SendFields; data: SendResult };
  'chatroom.join': { fields: { chatroomId: string }; data: Empty };
  'chatroom.leave': { fields: { chatroomId: string }; data: Empty };
  history: { fields: HistoryFields; data: HistoryPage };
  ack: { fields: { seq: number }; data: Empty };
  sync: { fields: { afterSeq: number; limit?: number }; data: SyncPage };
  recall: { fields: { messageUId: string }; data: Empty };
  read: { fields: ReadFields; data: Empty };
  conversations: { fields: { limit?: number }; data: { conversations: ConversationEntry[] } };
  'conversation.notifications': { fields: Empty; data: { notifications: ConversationNotification[] } };
  'push.register': { fields: { provider: PushProvider; token: string }; data: Empty };
  'push.unregister': { fields: Empty; data: Empty };
  logout: { fields: Empty; data: Empty };
}

export type Op = keyof Requests;

export interface SyncedFrame {
  op: 'synced';
  seq: number;
  gap?: { fromSeq: number; toSeq: number; reason: 'retention' | 'cap' | 'epoch' };
}

export interface KickedFrame {
  op: 'kicked';
  reason: 'same-platform-login' | 'web-limit' | 'token-revoked' | 'user-blocked';
}

export type ResultFrame =
  | { op: 'result'; id: number | string | null; ok: true; data: unknown }
  | { op: 'result'; id: number | string | null; ok: false; code: number; error: string };

export interface MessageFrame {
  op: 'message';
  message: ClientMessage;
}

export interface ExpansionFrame {
  op: 'expansion';
  expansion: ExpansionChange;
}

/** Every frame the server sends. */
export type ServerFrame = ResultFrame | MessageFrame | ExpansionFrame | SyncedFrame | KickedFrame;
