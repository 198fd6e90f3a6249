import type { ExpansionChange } from '../model/expansion-change.js';
import { z } from 'zod';
import type { Gap } from '../core/catch-up.js';
import type { DeliveredMessage } from '../model/message.js';
import { findBadInput, idPattern, jsonDepth, maxJsonDepth } from '../core/input-rules.js';
import { platforms } from '../model/platform.js';
import { pushProviders } from '../model/push.js';

/** Client-chosen request id, echoed in the result. */
const requestId = z.union([z.number(), z.string().max(64)]);

export const connectFrame = z.object({
  op: z.literal('connect'),
  id: requestId,
  token: z.string().min(1).max(1024),
  deviceId: z.string().min(1).max(128),
  platform: z.enum(platforms),
  lastSeq: z.number().int().min(0).default(0),
  epoch: z.string().max(64).optional(),
  /** Optional, as a RongCloud client knows its app key: a token of another app is refused. */
  appKey: z.string().max(64).optional(),
});

export const pingFrame = z.object({ op: z.literal('ping'), id: requestId });

/** Users, groups, rooms: the one id rule REST routes use too (core/input-rules.ts). */
const conversationId = z.string().regex(idPattern, 'must be 1–64 letters, digits or + | = - _');
const channel = z.string().max(20).regex(/^[A-Za-z0-9]*$/, 'up to 20 letters or digits');

export const sendFrame = z.object({
  op: z.literal('send'),
  id: requestId,
  /** 1 private, 3 group, 4 chatroom, 10 ultra group. */
  conversationType: z.union([z.literal(1), z.literal(3), z.literal(4), z.literal(10)]),
  busChannel: channel.optional(),
  /** Groups and ultra groups: only these members receive it. */
  toUserIds: z.array(conversationId).min(1).max(1000).optional(),
  targetId: conversationId,
  objectName: z.string().min(1).max(32),
  /** An object is serialized; a string is taken as is. */
  content: z.union([z.string(), z.record(z.string(), z.unknown())]).transform((c) => (typeof c === 'string' ? c : JSON.stringify(c))),
  clientMsgId: z.string().min(1).max(128).optional(),
  pushContent: z.string().max(1024).optional(),
  pushData: z.string().max(4096).optional(),
});

export const ackFrame = z.object({ op: z.literal('ack'), id: requestId, seq: z.number().int().min(0) });

export const syncFrame = z.object({
  op: z.literal('sync'),
  id: requestId,
  afterSeq: z.number().int().min(0),
  limit: z.number().int().min(1).max(500).default(100),
});

/** The user's push-mute settings (conversation and conversation-type level). */
export const notificationsFrame = z.object({ op: z.literal('conversation.notifications'), id: requestId });

export const chatroomJoinFrame = z.object({ op: z.literal('chatroom.join'), id: requestId, chatroomId: conversationId });
export const chatroomLeaveFrame = z.object({ op: z.literal('chatroom.leave'), id: requestId, chatroomId: conversationId });

export const historyFrame = z.object({
  op: z.literal('history'),
  id: requestId,
  conversationType: z.number().int(),
  targetId: conversationId,
  busChannel: channel.optional(),
  before: z.number().int().min(0).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(100).default(20),
});

export const recallFrame = z.object({ op: z.literal('recall'), id: requestId, messageUId: z.string().min(1).max(64) });

export const readFrame = z.object({
  op: z.literal('read'),
  id: requestId,
  conversationType: z.union([z.literal(1), z.literal(3), z.literal(6), z.literal(10)]),
  targetId: conversationId,
  busChannel: channel.optional(),
  /** Messages sent at or before this (ms) are read. */
  lastReadTime: z.number().int().min(0),
});

/**
 * A device's push token: APNs tokens are hex, FCM registration tokens letters, digits and
 * `:_-`; the token goes into the provider's URL, so nothing else is taken.
 */
export const pushRegisterFrame = z.object({
  op: z.literal('push.register'),
  id: requestId,
  provider: z.enum(pushProviders),
  token: z.string().min(1).max(1024).regex(/^[A-Za-z0-9:_.-]+$/, 'letters, digits and : _ . - only'),
});
export const pushUnregisterFrame = z.object({ op: z.literal('push.unregister'), id: requestId });

/** The user logs out on this device: its push token goes, and the server closes the socket after the result. */
export const logoutFrame = z.object({ op: z.literal('logout'), id: requestId });

export const conversationsFrame = z.object({ op: z.literal('conversations'), id: requestId, limit: z.number().int().min(1).max(1000).default(100) });

export const clientFrame = z.discriminatedUnion('op', [
  connectFrame,
  pingFrame,
  sendFrame,
  ackFrame,
  syncFrame,
  notificationsFrame,
  chatroomJoinFrame,
  chatroomLeaveFrame,
  historyFrame,
  recallFrame,
  readFrame,
  conversationsFrame,
  pushRegisterFrame,
  pushUnregisterFrame,
  logoutFrame,
]);

export type ConnectFrame = z.infer<typeof connectFrame>;
export type SendFrame = z.infer<typeof sendFrame>;
export type ClientFrame = z.infer<typeof clientFrame>;
export type RequestId = z.infer<typeof requestId>;

/** A message's key/values changed (docs/protocol.md "Expansion changes"). */
export interface ExpansionChangeFrame {
  op: 'expansion';
  expansion: ExpansionChange;
}

/** Frames the server sends. */
export type ServerFrame =
  | { op: 'result'; id: RequestId | null; ok: true; data: unknown }
  | { op: 'result'; id: RequestId | null; ok: false; code: number; error: string }
  | { op: 'message'; message: DeliveredMessage }
  | ExpansionChangeFrame
  | { op: 'synced'; seq: number; gap?: Gap }
  | { op: 'kicked'; reason: string };

/** The request id of a frame that failed validation, when it has a usable one. */
export function idOf(raw: unknown): RequestId | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const parsed = requestId.safeParse(raw.id);
  return parsed.success ? parsed.data : null;
}

/**
 * A client frame, or the 1002 detail for one that is not: the nesting depth is counted
 * before the text is parsed, and every string is checked to be storable after, so no step
 * behind this (serialising `content`, writing to Postgres) meets a hostile value.
 */
export function parseClientFrame(raw: string | null): { ok: true; frame: ClientFrame } | { ok: false; id: RequestId | null; detail: string } {
  if (raw === null) return { ok: false, id: null, detail: 'not a JSON text frame' };
  if (jsonDepth(raw) > maxJsonDepth) return { ok: false, id: null, detail: `frame: JSON nested deeper than ${maxJsonDepth} levels` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, id: null, detail: 'not a JSON text frame' };
  }
  const parsed = clientFrame.safeParse(json);
  if (!parsed.success) {
    return { ok: false, id: idOf(json), detail: parsed.error.issues.map((i) => `${i.path.join('.') || 'frame'}: ${i.message}`).join('; ') };
  }
  const bad = findBadInput(parsed.data);
  if (bad) return { ok: false, id: idOf(json), detail: `${bad.path || 'frame'}: ${bad.problem}` };
  return { ok: true, frame: parsed.data };
}
