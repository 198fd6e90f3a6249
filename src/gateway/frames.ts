import { z } from 'zod';
import { platforms } from '../core/platform.js';

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

export const clientFrame = z.discriminatedUnion('op', [connectFrame, pingFrame]);

export type ConnectFrame = z.infer<typeof connectFrame>;
export type ClientFrame = z.infer<typeof clientFrame>;
export type RequestId = z.infer<typeof requestId>;

/** Frames the server sends. */
export type ServerFrame =
  | { op: 'result'; id: RequestId | null; ok: true; data: unknown }
  | { op: 'result'; id: RequestId | null; ok: false; code: number; error: string }
  | { op: 'synced'; seq: number }
  | { op: 'kicked'; reason: string };

/** The request id of a frame that failed validation, when it has a usable one. */
export function idOf(raw: unknown): RequestId | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const parsed = requestId.safeParse(raw.id);
  return parsed.success ? parsed.data : null;
}
