import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AudienceNotification, AudiencePush, AudiencePushes } from '../../core/push/audience-push.js';
import type { PushProviderName } from '../../model/push.js';
import { ParleyError } from '../../errors.js';
import { flag, id, integer, list, requiredText, text } from '../params.js';
import { post } from '../route.js';

/** RongCloud's limits: ≤ 20 tags of ≤ 40 bytes per user, ≤ 1,000 users per batch, ≤ 50 per query. */
const tag = requiredText(40);
const tags = z.array(tag).max(20);
const operator = z.string().transform((o) => o.toLowerCase()).pipe(z.enum(['and', 'or']));
const platforms = z.array(z.enum(['ios', 'android'])).min(1).transform((list) => [...new Set(list)].map((p): PushProviderName => (p === 'ios' ? 'apns' : 'fcm')));
/** Extras are the app's own data: kept as JSON text. */
const extras = z.record(z.string(), z.unknown()).transform((value) => JSON.stringify(value)).optional();

const iosFields = {
  badge: integer.pipe(z.number().min(-9999).max(9999)).optional(),
  'thread-id': text(64).optional(),
  'apns-collapse-id': text(64).optional(),
  'interruption-level': z.enum(['passive', 'active', 'time-sensitive', 'critical']).optional(),
  extras,
};
const android = z
  .object({
    alert: text(1024).optional(),
    extras,
    fcm: z.object({ channelId: text(128).optional(), collapse_key: text(128).optional(), imageUrl: z.string().url().max(2048).optional() }).optional(),
  })
  // The Go SDK sends `"android": null` when it has none.
  .nullish();

const audience = z
  .object({
    tag: tags.optional(),
    tag_or: tags.optional(),
    userid: list(id, { max: 1000 }).optional(),
    is_to_all: flag.optional(),
    packageName: text(256).optional(),
    tagItems: z
      .array(z.object({ tags: z.array(tag).min(1).max(20), isNot: flag.optional(), tagsOperator: operator.optional(), itemsOperator: operator.optional() }))
      .max(20)
      .optional(),
  })
  .refine((a) => a.is_to_all || a.tag || a.tag_or || a.userid || a.tagItems, { message: 'needs is_to_all, tag, tag_or, tagItems or userid' });

const notification = z.object({
  title: text(256).optional(),
  alert: text(1024).optional(),
  forceShowPushContent: integer.optional(),
  ios: z.object({ title: text(256).optional(), alert: text(1024).optional(), ...iosFields }).optional(),
  android,
});

export const pushBody = z.object({
  platform: platforms,
  fromuserid: id.optional(),
  audience,
  notification,
  message: z.object({ content: text(128 * 1024), objectName: requiredText(32) }).optional(),
});

export const pushUserBody = z.object({
  userIds: list(id, { max: 100 }),
  notification: z.object({ title: text(256).optional(), pushContent: requiredText(1024), ios: z.object(iosFields).optional(), android }),
});

type Ios = Partial<z.infer<z.ZodObject<typeof iosFields>>> & { title?: string | undefined; alert?: string | undefined };

function iosOf(ios: Ios | undefined): AudienceNotification['ios'] {
  if (!ios) return undefined;
  return {
    title: ios.title,
    alert: ios.alert,
    badge: ios.badge,
    extras: ios.extras,
    apns: { threadId: ios['thread-id'], collapseId: ios['apns-collapse-id'], interruptionLevel: ios['interruption-level'] },
  };
}

function androidOf(input: z.infer<typeof android>): AudienceNotification['android'] {
  if (!input) return undefined;
  const { fcm } = input;
  return { alert: input.alert, extras: input.extras, fcm: fcm && { channelId: fcm.channelId, collapseKey: fcm.collapse_key, imageUrl: fcm.imageUrl } };
}

function audienceOf(input: z.infer<typeof audience>): AudiencePush['audience'] {
  if (input.is_to_all) return { everyone: true };
  // As RongCloud: user ids win over tags; tagItems over tag and tag_or.
  if (input.userid) return { everyone: false, userIds: input.userid };
  return {
    everyone: false,
    all: input.tag,
    any: input.tag_or,
    items: input.tagItems?.map((item) => ({ tags: item.tags, operator: item.tagsOperator ?? 'or', not: item.isNot ?? false, join: item.itemsOperator ?? 'or' })),
  };
}

/** docs/server-api.md "Push": user tags and pushes to audiences (RongCloud's JSON shapes). */
export function pushAudienceRoutes(app: FastifyInstance, pushes: AudiencePushes): void {
  post(app, { path: '/user/tag/set', summary: 'Replace a user\'s tags (≤ 20 of ≤ 40 bytes)', body: z.object({ userId: id, tags }) }, async (input, req) => {
    await pushes.setTags(req.imApp, [input.userId], input.tags);
    return {};
  });
  post(app, { path: '/user/tag/batch/set', summary: 'Replace the tags of up to 1000 users', body: z.object({ userIds: list(id, { max: 1000 }), tags }) }, async (input, req) => {
    await pushes.setTags(req.imApp, input.userIds, input.tags);
    return {};
  });
  post(app, { path: '/user/tags/get', summary: 'Read the tags of up to 50 users', body: z.object({ userIds: list(id, { max: 50 }) }) }, async (input, req) => {
    return { result: Object.fromEntries(await pushes.tagsOf(req.imApp, input.userIds)) };
  });

  const toAudience = (path: string, summary: string) =>
    post(app, { path, summary, body: pushBody }, async (input, req) => {
      const { ios } = input.notification;
      if (input.message && !input.fromuserid) throw new ParleyError('badParameter', 'fromuserid: required with message');
      const message = input.message && input.fromuserid ? { fromUserId: input.fromuserid, ...input.message } : undefined;
      const id = await pushes.push(req.imApp, {
        platforms: input.platform,
        audience: audienceOf(input.audience),
        notification: { title: input.notification.title, alert: input.notification.alert, ios: iosOf(ios), android: androidOf(input.notification.android) },
        message,
      });
      return { id };
    });
  toAudience('/push', 'Push a notification to users by id, by tags, or to everyone (with message: a system message too)');
  toAudience('/push/custom', 'Push a notification to an audience by tags (tagItems) or to everyone');

  post(app, { path: '/push/status', summary: 'Progress of a push to an audience (paged in the background): running, done or failed, and how many users it reached', body: z.object({ id: requiredText(64) }) }, async (input, req) => {
    return pushes.status(req.imApp, input.id);
  });

  post(app, { path: '/push/user', summary: 'Push a notification to up to 100 users', body: pushUserBody }, async (input, req) => {
    const { notification: shown } = input;
    const id = await pushes.push(req.imApp, {
      platforms: ['apns', 'fcm'],
      audience: { everyone: false, userIds: input.userIds },
      notification: { title: shown.title, alert: shown.pushContent, ios: iosOf(shown.ios), android: androidOf(shown.android) },
    });
    return { id };
  });
}
