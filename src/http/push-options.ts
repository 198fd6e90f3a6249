import { z } from 'zod';
import type { PushExt, PushOptions } from '../core/delivery/send.js';
import { flag, integer, text } from './params.js';

const option = (max: number) => z.string().max(max).optional();

/** RongCloud's pushExt: a JSON text with the title and per-vendor `pushConfigs` (docs/push.md "What is pushed"). */
const pushExtJson = z
  .object({
    title: z.string().max(256).optional(),
    forceShowPushContent: z.union([z.literal(0), z.literal(1), z.boolean()]).optional(),
    pushConfigs: z
      .array(
        z
          .object({
            APNS: z.object({ 'thread-id': option(64), 'apns-collapse-id': option(64), 'interruption-level': z.enum(['passive', 'active', 'time-sensitive', 'critical']).optional() }).optional(),
            FCM: z.object({ channelId: option(128), collapse_key: option(128), imageUrl: z.string().url().max(2048).optional() }).optional(),
          })
          .passthrough(),
      )
      .max(16)
      .optional(),
  })
  .passthrough();

const pushExt = text(4096).transform((raw, ctx): PushExt | undefined => {
  if (raw === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
  const parsed = pushExtJson.safeParse(json);
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    return z.NEVER;
  }
  const { title, forceShowPushContent, pushConfigs = [] } = parsed.data;
  const apns = pushConfigs.find((c) => c.APNS)?.APNS;
  const fcm = pushConfigs.find((c) => c.FCM)?.FCM;
  return {
    title,
    forceShowPushContent: forceShowPushContent === undefined ? undefined : Boolean(forceShowPushContent),
    apns: apns && { threadId: apns['thread-id'], collapseId: apns['apns-collapse-id'], interruptionLevel: apns['interruption-level'] },
    fcm: fcm && { channelId: fcm.channelId, collapseKey: fcm.collapse_key, imageUrl: fcm.imageUrl },
  };
});

/** The push fields a send endpoint takes besides pushContent and pushData. */
export const pushOptionFields = {
  disablePush: flag.optional(),
  pushExt: pushExt.optional(),
  /** The iOS badge to show instead of the receiver's unread count. */
  count: integer.pipe(z.number().min(0).max(99_999)).optional(),
};

export function pushOptionsOf(input: { disablePush?: boolean | undefined; pushExt?: PushExt | undefined; count?: number | undefined }): PushOptions | undefined {
  if (input.disablePush === undefined && input.pushExt === undefined && input.count === undefined) return undefined;
  return { disablePush: input.disablePush, ext: input.pushExt, badge: input.count };
}
