import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../core/apps.js';
import type { ExpansionChange, ExpansionService } from '../../core/expansion.js';
import { conversationTypes } from '../../model/message.js';
import { busChannel, extraKeyVal, flag, id, integer, jsonText, requiredText } from '../params.js';
import { post } from '../route.js';

const msgUID = requiredText(64);
const extraKey = jsonText(z.array(z.string(), { message: 'must be a JSON array of keys' }));
/** Expansion exists for private and group messages here; ultra groups have their own paths. */
const conversationType = integer.pipe(z.literal([conversationTypes.private, conversationTypes.group], { message: 'must be 1 (private) or 3 (group)' }));

const conversationFields = { msgUID, userId: id, conversationType, targetId: id, isSyncSender: flag.optional() };
const ultraGroupFields = { msgUID, userId: id, groupId: id, busChannel: busChannel.optional() };

export const expansionSetBody = z.object({ ...conversationFields, extraKeyVal });
export const expansionDeleteBody = z.object({ ...conversationFields, extraKey });
export const expansionQueryBody = z.object({ msgUID, pageNo: integer.pipe(z.number().min(1)).optional() });
export const ultraGroupExpansionSetBody = z.object({ ...ultraGroupFields, extraKeyVal });
export const ultraGroupExpansionDeleteBody = z.object({ ...ultraGroupFields, extraKey });
export const ultraGroupExpansionQueryBody = z.object({ msgUID, groupId: id, busChannel: busChannel.optional() });

const serverApi = { kind: 'api', echo: false } as const;

const conversationChange = (app: App, input: z.infer<z.ZodObject<typeof conversationFields>>): ExpansionChange => ({
  app,
  messageUId: input.msgUID,
  operatorId: input.userId,
  conversation: { conversationType: input.conversationType, targetId: input.targetId },
  syncSender: input.isSyncSender ?? false,
  origin: serverApi,
});

const ultraGroupChange = (app: App, input: z.infer<z.ZodObject<typeof ultraGroupFields>>): ExpansionChange => ({
  app,
  messageUId: input.msgUID,
  operatorId: input.userId,
  conversation: { conversationType: conversationTypes.ultraGroup, targetId: input.groupId, busChannel: input.busChannel ?? '' },
  syncSender: false,
  origin: serverApi,
});

/** docs/server-api.md "Message expansion": key/values on messages sent with `expansion`. */
export function expansionRoutes(app: FastifyInstance, expansion: ExpansionService): void {
  post(app, { path: '/message/expansion/set', summary: 'Set key/values on a private or group message sent with expansion', body: expansionSetBody }, async (input, req) => {
    await expansion.set(conversationChange(req.imApp, input), input.extraKeyVal);
    return {};
  });

  post(app, { path: '/message/expansion/delete', summary: 'Delete keys from a private or group message sent with expansion', body: expansionDeleteBody }, async (input, req) => {
    await expansion.remove(conversationChange(req.imApp, input), input.extraKey);
    return {};
  });

  post(app, { path: '/message/expansion/query', summary: 'Key/values of a message sent with expansion (300 per page)', body: expansionQueryBody }, async (input, req) => {
    return { extraContent: await expansion.query(req.imApp, input.msgUID, input.pageNo ?? 1) };
  });

  post(app, { path: '/ultragroup/message/expansion/set', summary: 'Set key/values on an ultra group message sent with expansion', body: ultraGroupExpansionSetBody }, async (input, req) => {
    await expansion.set(ultraGroupChange(req.imApp, input), input.extraKeyVal);
    return {};
  });

  post(app, { path: '/ultragroup/message/expansion/delete', summary: 'Delete keys from an ultra group message sent with expansion', body: ultraGroupExpansionDeleteBody }, async (input, req) => {
    await expansion.remove(ultraGroupChange(req.imApp, input), input.extraKey);
    return {};
  });

  post(app, { path: '/ultragroup/message/expansion/query', summary: 'Key/values of an ultra group message sent with expansion', body: ultraGroupExpansionQueryBody }, async (input, req) => {
    const ultraGroup = { groupId: input.groupId, busChannel: input.busChannel ?? '' };
    return { extraContent: await expansion.query(req.imApp, input.msgUID, 1, ultraGroup) };
  });
}
