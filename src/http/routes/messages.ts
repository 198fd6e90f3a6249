import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppWideSends } from '../../core/delivery/app-wide.js';
import type { Deliverer } from '../../core/delivery/deliver.js';
import type { Send } from '../../core/delivery/send.js';
import { fillTemplates } from '../../core/templates.js';
import { ParleyError } from '../../errors.js';
import { extraKeyVal, flag, id, integer, list, requiredText, text } from '../params.js';
import { pushOptionFields, pushOptionsOf } from '../push-options.js';
import { post } from '../route.js';

export const objectName = requiredText(32);
/** Byte limits of `content` are the message-type registry's job (128 KB, per type); a JSON object is taken as its text. */
export const content = z.preprocess((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v), text(16 * 1024 * 1024));
const pushFields = { pushContent: text(1024).optional(), pushData: text(4096).optional() };

/** Flags and options every send endpoint accepts (docs/server-api.md "Sending"); unknown ones are ignored. */
const sendOptions = {
  isPersisted: flag.optional(),
  isCounted: flag.optional(),
  isIncludeSender: flag.optional(),
  isSyncSender: flag.optional(),
  isEchoToSender: flag.optional(),
  verifyBlacklist: flag.optional(),
  contentAvailable: flag.optional(),
  ...pushOptionFields,
  expansion: flag.optional(),
  extraContent: extraKeyVal.optional(),
  disableUpdateLastMsg: flag.optional(),
  needReadReceipt: flag.optional(),
  msgRandom: integer.optional(),
  busChannel: text(20).optional(),
};

export const privatePublishBody = z.object({
  fromUserId: id,
  toUserId: list(id, { max: 1000 }),
  objectName,
  content,
  ...pushFields,
  ...sendOptions,
});

export const systemPublishBody = privatePublishBody.extend({ toUserId: list(id, { max: 100 }) });
export const statusPublishBody = privatePublishBody;

const nullableTexts = z.array(z.union([text(4096), z.null()])).optional();
export const templatePublishBody = z.object({
  fromUserId: id,
  objectName,
  /** The template, with `{placeholder}`s replaced per recipient from `values`. */
  content,
  toUserId: list(id, { max: 1000 }),
  values: z.array(z.record(z.string(), z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string()))).max(1000),
  pushContent: nullableTexts,
  pushData: nullableTexts,
  ...sendOptions,
});

export const broadcastBody = z.object({ fromUserId: id, objectName, content, ...pushFields, ...sendOptions, os: text(16).optional() });
export const onlineBroadcastBody = z.object({ fromUserId: id, objectName, content, ...sendOptions });
const broadcastStatusBody = z.object({ messageUID: requiredText(64) });

type SendOptions = z.infer<z.ZodObject<typeof sendOptions>>;

/** isIncludeSender, isSyncSender and isEchoToSender are one flag (docs/architecture.md "Delivery rules"). */
export const echoOf = (o: { isIncludeSender?: boolean | undefined; isSyncSender?: boolean | undefined; isEchoToSender?: boolean | undefined }) =>
  Boolean(o.isIncludeSender ?? o.isSyncSender ?? o.isEchoToSender);

/** `Idempotency-Key` (a day) or RongCloud's `msgRandom` (a minute) make a send retry-safe. */
export function idempotencyOf(request: FastifyRequest, options: { msgRandom?: number | undefined }, path: string): Send['idempotency'] {
  const header = request.headers['idempotency-key'];
  if (typeof header === 'string' && header !== '') return { key: `${path}:key:${header}`, ttlMs: 86_400_000 };
  if (options.msgRandom !== undefined) return { key: `${path}:random:${options.msgRandom}`, ttlMs: 60_000 };
  return undefined;
}

/** `extraContent` gives a message sent with `expansion` its first key/values; without it, it is a mistake. */
export function expansionOf(input: { expansion?: boolean | undefined; extraContent?: Record<string, string> | undefined }): Send['expansion'] {
  if (input.extraContent && !input.expansion) throw new ParleyError('badParameter', 'extraContent: needs expansion=true');
  return input.expansion ? { initial: input.extraContent } : undefined;
}

/** The part of a server-API send every endpoint fills the same way (v1 and Nexconn v4's direct-channel send). */
export function apiSend(req: FastifyRequest, path: string, input: SendOptions & { fromUserId: string; objectName: string }, kind: 'private' | 'system') {
  return {
    kind,
    app: req.imApp,
    // RongCloud echoes one-to-one messages only.
    origin: { kind: 'api' as const, echo: kind === 'private' && echoOf(input), verifyBlacklist: input.verifyBlacklist },
    fromUserId: input.fromUserId,
    objectName: input.objectName,
    isPersisted: input.isPersisted,
    isCounted: input.isCounted,
    busChannel: input.busChannel,
    expansion: expansionOf(input),
    idempotency: idempotencyOf(req, input, path),
    push: pushOptionsOf(input),
  };
}

/** docs/server-api.md "Sending": one-to-one, system, status, template and broadcast sends. */
export function messageRoutes(app: FastifyInstance, delivery: Deliverer, broadcasts: AppWideSends): void {
  const single = (path: string, summary: string, body: typeof privatePublishBody | typeof systemPublishBody, kind: 'private' | 'system', status: boolean) =>
    post(app, { path, summary, body }, async (input, req) => {
      const result = await delivery.deliver({
        ...apiSend(req, path, input, kind),
        toUserIds: input.toUserId,
        content: { content: input.content, pushContent: input.pushContent, pushData: input.pushData },
        status,
      });
      return { messageUIDs: result.messageUIds.map((m) => ({ userId: m.targetId, messageUID: m.messageUId })) };
    });

  single('/message/private/publish', 'Send one-to-one messages (up to 1000 receivers)', privatePublishBody, 'private', false);
  single('/statusmessage/private/publish', 'Send a one-to-one status message (online devices only)', statusPublishBody, 'private', true);
  single('/message/system/publish', 'Send system messages (up to 100 receivers)', systemPublishBody, 'system', false);

  const template = (path: string, summary: string, kind: 'private' | 'system') =>
    post(app, { path, summary, body: templatePublishBody }, async (input, req) => {
      if (input.values.length !== input.toUserId.length) {
        throw new ParleyError('badParameter', `values: needs one entry per toUserId (${input.toUserId.length}), got ${input.values.length}`);
      }
      const contents = fillTemplates(input, input.values);
      const result = await delivery.deliver({
        ...apiSend(req, path, input, kind),
        toUserIds: input.toUserId,
        content: contents[0]!,
        contentFor: new Map(input.toUserId.map((userId, i) => [userId, contents[i]!])),
      });
      return { messageUIDs: result.messageUIds.map((m) => ({ userId: m.targetId, messageUID: m.messageUId })) };
    });

  template('/message/private/publish_template', 'Send a templated one-to-one message (JSON)', 'private');
  template('/message/system/publish_template', 'Send a templated system message (JSON)', 'system');

  post(app, { path: '/message/broadcast', summary: 'Send a system message to every user of the app (a durable job; see /message/broadcast/status)', body: broadcastBody }, async (input, req) => {
    const result = await delivery.deliver({
      ...apiSend(req, '/message/broadcast', input, 'system'),
      kind: 'everyone',
      content: { content: input.content, pushContent: input.pushContent, pushData: input.pushData },
    });
    const messageUID = result.messageUIds[0]!.messageUId;
    return { messageUID, id: messageUID };
  });

  post(app, { path: '/message/broadcast/status', summary: 'Progress of a /message/broadcast: running, done or failed, and how many users it reached', body: broadcastStatusBody }, async (input, req) => {
    return broadcasts.status(req.imApp, input.messageUID);
  });

  post(app, { path: '/message/online/broadcast', summary: 'Push a system message to every online device', body: onlineBroadcastBody }, async (input, req) => {
    const result = await delivery.deliver({
      kind: 'online',
      app: req.imApp,
      origin: { kind: 'api', echo: false },
      fromUserId: input.fromUserId,
      objectName: input.objectName,
      content: { content: input.content },
      idempotency: idempotencyOf(req, input, '/message/online/broadcast'),
    });
    return { messageUID: result.messageUIds[0]!.messageUId };
  });
}
