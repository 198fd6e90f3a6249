import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { conversationTypes } from '../../model/message.js';
import type { ModifyService } from '../../core/modify.js';
import { busChannel, id, integer, requiredText } from '../params.js';
import { post } from '../route.js';
import { idempotencyOf } from './messages.js';

/** Byte limits of `content` are the message-type registry's job (128 KB, per type). */
const content = z.preprocess((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v), requiredText(16 * 1024 * 1024));
const common = { fromUserId: id, msgUID: requiredText(64), content, objectName: requiredText(32).optional(), msgRandom: integer.optional() };

export const privateModifyBody = z.object({ ...common, targetId: id });
export const groupModifyBody = z.object({ ...common, groupId: id });
export const ultraGroupModifyBody = z.object({ ...common, groupId: id, busChannel: busChannel.optional() });

/** Editing a sent message (docs/server-api.md "Message modification"): the Java SDK's and the Go SDK's shapes. */
export function modifyRoutes(app: FastifyInstance, modifications: ModifyService): void {
  post(app, { path: '/message/private/modify', summary: 'Modify a one-to-one message the sender sent', body: privateModifyBody }, async (input, req) => {
    await modifications.modify({ ...modificationOf(req, input, '/message/private/modify'), conversation: { conversationType: conversationTypes.private, targetId: input.targetId } });
    return {};
  });
  post(app, { path: '/message/group/modify', summary: 'Modify a group message the sender sent', body: groupModifyBody }, async (input, req) => {
    await modifications.modify({ ...modificationOf(req, input, '/message/group/modify'), conversation: { conversationType: conversationTypes.group, targetId: input.groupId } });
    return {};
  });
  post(app, { path: '/ultragroup/msg/modify', summary: 'Modify an ultra group message the sender sent', body: ultraGroupModifyBody }, async (input, req) => {
    const conversation = { conversationType: conversationTypes.ultraGroup, targetId: input.groupId, busChannel: input.busChannel ?? '' };
    await modifications.modify({ ...modificationOf(req, input, '/ultragroup/msg/modify'), conversation });
    return {};
  });
}

/** What every modification request carries, whichever the conversation. */
function modificationOf(req: FastifyRequest, input: z.infer<z.ZodObject<typeof common>>, path: string) {
  return {
    app: req.imApp,
    fromUserId: input.fromUserId,
    messageUId: input.msgUID,
    content: input.content,
    objectName: input.objectName,
    idempotency: idempotencyOf(req, input, path),
  };
}
