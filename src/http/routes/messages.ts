import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DeliveryService, SendRequest } from '../../core/delivery.js';
import { readSyncTime, type ConversationListService } from '../../core/conversation-list.js';
import { readSyncType } from '../../core/message-types.js';
import { fillTemplates } from '../../core/templates.js';
import { conversationTypes } from '../../model/message.js';
import { ParleyError } from '../../errors.js';
import { extraKeyVal, flag, id, integer, list, requiredText, text } from '../params.js';
import { post } from '../route.js';

const objectName = requiredText(32);
/** Byte limits of `content` are the message-type registry's job (128 KB, per type). */
const content = z.preprocess((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v), text(16 * 1024 * 1024));
const pushFields = { pushContent: text(1024).optional(), pushData: text(4096).optional() };

/** Flags and options every send endpoint accepts (SERVER-API.md §9); unknown ones are ignored. */
const sendOptions = {
  isPersisted: flag.optional(),
  isCounted: flag.optional(),
  isIncludeSender: flag.optional(),
  isSyncSender: flag.optional(),
  isEchoToSender: flag.optional(),
  verifyBlacklist: flag.optional(),
  contentAvailable: flag.optional(),
  disablePush: flag.optional(),
  expansion: flag.optional(),
  extraContent: extraKeyVal.optional(),
  disableUpdateLastMsg: flag.optional(),
  needReadReceipt: flag.optional(),
  count: integer.optional(),
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

type SendOptions = z.infer<z.ZodObject<typeof sendOptions>>;

/** isIncludeSender, isSyncSender and isEchoToSender are one flag (ARCHITECTURE.md). */
const echoOf = (o: SendOptions) => Boolean(o.isIncludeSender ?? o.isSyncSender ?? o.isEchoToSender);

/** `Idempotency-Key` (a day) or RongCloud's `msgRandom` (a minute) make a send retry-safe. */
export function idempotencyOf(request: FastifyRequest, options: SendOptions, path: string): SendRequest['idempotency'] {
  const header = request.headers['idempotency-key'];
  if (typeof header === 'string' && header !== '') return { key: `${path}:key:${header}`, ttlMs: 86_400_000 };
  if (options.msgRandom !== undefined) return { key: `${path}:random:${options.msgRandom}`, ttlMs: 60_000 };
  return undefined;
}

/** `extraContent` gives a message sent with `expansion` its first key/values; without it, it is a mistake. */
export function expansionOf(input: { expansion?: boolean | undefined; extraContent?: Record<string, string> | undefined }): SendRequest['expansion'] {
  if (input.extraContent && !input.expansion) throw new ParleyError('badParameter', 'extraContent: needs expansion=true');
  return input.expansion ? { initial: input.extraContent } : undefined;
}

/** The part of a server-API send every endpoint fills the same way. */
function apiSend(
  req: FastifyRequest,
  path: string,
  input: SendOptions & { fromUserId: string; objectName: string },
  conversationType: SendRequest['conversationType'],
) {
  return {
    app: req.imApp,
    origin: { kind: 'api' } as const,
    fromUserId: input.fromUserId,
    conversationType,
    objectName: input.objectName,
    echo: conversationType === conversationTypes.private && echoOf(input),
    isPersisted: input.isPersisted,
    isCounted: input.isCounted,
    busChannel: input.busChannel,
    verifyBlacklist: input.verifyBlacklist,
    expansion: expansionOf(input),
    idempotency: idempotencyOf(req, input, path),
  };
}

/** SERVER-API.md §9: one-to-one, system, status, template and broadcast sends. */
export function messageRoutes(app: FastifyInstance, delivery: DeliveryService, conversationList: ConversationListService): void {
  const single = (
    path: string,
    summary: string,
    body: typeof privatePublishBody | typeof systemPublishBody,
    kind: { conversationType: SendRequest['conversationType']; status: boolean },
  ) =>
    post(app, { path, summary, body }, async (input, req) => {
      if (input.objectName === readSyncType) {
        // The sender read its conversations with these users: kept, and synced to its devices.
        const readTime = readSyncTime(input.content);
        const name = (targetId: string) => ({ conversationType: kind.conversationType, targetId });
        const synced = await Promise.all(input.toUserId.map((to) => conversationList.markRead(req.imApp, { kind: 'api' }, input.fromUserId, name(to), readTime)));
        return { messageUIDs: synced.map((s, i) => ({ userId: input.toUserId[i]!, messageUID: s.messageUId })) };
      }
      const result = await delivery.send({
        ...apiSend(req, path, input, kind.conversationType),
        toUserIds: input.toUserId,
        content: { content: input.content, pushContent: input.pushContent, pushData: input.pushData },
        status: kind.status,
      });
      return { messageUIDs: result.messageUIDs };
    });

  single('/message/private/publish', 'Send one-to-one messages (up to 1000 receivers)', privatePublishBody, { conversationType: conversationTypes.private, status: false });
  single('/statusmessage/private/publish', 'Send a one-to-one status message (online devices only)', statusPublishBody, { conversationType: conversationTypes.private, status: true });
  single('/message/system/publish', 'Send system messages (up to 100 receivers)', systemPublishBody, { conversationType: conversationTypes.system, status: false });

  const template = (path: string, summary: string, conversationType: SendRequest['conversationType']) =>
    post(app, { path, summary, body: templatePublishBody }, async (input, req) => {
      if (input.values.length !== input.toUserId.length) {
        throw new ParleyError('badParameter', `values: needs one entry per toUserId (${input.toUserId.length}), got ${input.values.length}`);
      }
      const contents = fillTemplates(input, input.values);
      // By user, not by position: receivers left out (verifyBlacklist) must not shift the others' values.
      const byUser = new Map(input.toUserId.map((userId, i) => [userId, contents[i]!]));
      const result = await delivery.send({
        ...apiSend(req, path, input, conversationType),
        toUserIds: input.toUserId,
        content: (userId) => byUser.get(userId)!,
        status: false,
      });
      return { messageUIDs: result.messageUIDs };
    });

  template('/message/private/publish_template', 'Send a templated one-to-one message (JSON)', conversationTypes.private);
  template('/message/system/publish_template', 'Send a templated system message (JSON)', conversationTypes.system);

  post(app, { path: '/message/broadcast', summary: 'Send a system message to every user of the app', body: broadcastBody }, async (input, req) => {
    const messageUID = await delivery.broadcast({
      ...apiSend(req, '/message/broadcast', input, conversationTypes.system),
      content: { content: input.content, pushContent: input.pushContent, pushData: input.pushData },
      status: false,
    });
    return { messageUID, id: messageUID };
  });

  post(app, { path: '/message/online/broadcast', summary: 'Push a system message to every online device', body: onlineBroadcastBody }, async (input, req) => {
    const messageUID = await delivery.pushToOnline({
      app: req.imApp,
      fromUserId: input.fromUserId,
      objectName: input.objectName,
      content: input.content,
      idempotency: idempotencyOf(req, input, '/message/online/broadcast'),
    });
    return { messageUID };
  });
}
