import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Deliverer } from '../../core/delivery/deliver.js';
import { ParleyError } from '../../errors.js';
import { busChannel, extraKeyVal, flag, id, integer, list, text } from '../params.js';
import { post } from '../route.js';
import { pushOptionFields, pushOptionsOf } from '../push-options.js';
import { content, echoOf, expansionOf, idempotencyOf, objectName } from './messages.js';


const common = {
  fromUserId: id,
  objectName,
  content,
  pushContent: text(1024).optional(),
  pushData: text(4096).optional(),
  isIncludeSender: flag.optional(),
  isSyncSender: flag.optional(),
  isEchoToSender: flag.optional(),
  isPersisted: flag.optional(),
  isCounted: flag.optional(),
  isMentioned: flag.optional(),
  expansion: flag.optional(),
  extraContent: extraKeyVal.optional(),
  msgRandom: integer.optional(),
  ...pushOptionFields,
};

export const groupPublishBody = z.object({ ...common, toGroupId: list(id, { max: 3 }), toUserId: list(id, { max: 1000 }).optional() });
export const groupStatusBody = z.object({ ...common, toGroupId: list(id, { max: 3 }) });
/** A discussion (conversation type 2, deprecated by RongCloud) is served as the group of the same id (docs/decisions.md). */
export const discussionPublishBody = z.object({ ...common, toDiscussionId: list(id, { max: 3 }), contentAvailable: flag.optional() });
export const chatroomPublishBody = z.object({ ...common, toChatroomId: list(id, { max: 50 }) });
export const chatroomBroadcastBody = z.object({ fromUserId: id, objectName, content });
export const ultraGroupPublishBody = z.object({
  ...common,
  toGroupIds: list(id, { max: 3, commaJoined: true }),
  toUserIds: list(id, { max: 1000, commaJoined: true }).optional(),
  busChannel: busChannel.optional(),
});

export type ConversationSendInput = z.infer<z.ZodObject<typeof common>>;

/** What every group, chatroom and ultra group send of the server API fills the same way (v1 and Nexconn v4). */
export function sendOf(req: FastifyRequest, path: string, input: ConversationSendInput) {
  if (input.isMentioned && !hasMentionedInfo(input.content)) {
    throw new ParleyError('badParameter', 'isMentioned needs content.mentionedInfo {type, userIdList}');
  }
  return {
    app: req.imApp,
    origin: { kind: 'api' as const, echo: echoOf(input) },
    fromUserId: input.fromUserId,
    objectName: input.objectName,
    content: { content: input.content, pushContent: input.pushContent, pushData: input.pushData },
    isPersisted: input.isPersisted,
    isCounted: input.isCounted,
    expansion: expansionOf(input),
    idempotency: idempotencyOf(req, input, path),
    push: pushOptionsOf(input),
  };
}

function hasMentionedInfo(content: string): boolean {
  try {
    const info = (JSON.parse(content) as { mentionedInfo?: { type?: unknown } }).mentionedInfo;
    return typeof info === 'object' && info !== null && (info.type === 1 || info.type === 2);
  } catch {
    return false;
  }
}

const answer = (result: { messageUIds: Array<{ targetId: string; messageUId: string }> }, key: 'groupId' | 'chatroomId' | 'discussionId') => ({
  messageUIDs: result.messageUIds.map((m) => ({ [key]: m.targetId, messageUID: m.messageUId })),
});

/** docs/server-api.md "Sending": group, chatroom and ultra group sends. */
export function conversationMessageRoutes(app: FastifyInstance, delivery: Deliverer): void {
  post(app, { path: '/message/group/publish', summary: 'Send to up to 3 groups (or to some members of one)', body: groupPublishBody }, async (input, req) => {
    if (input.toUserId && input.toGroupId.length !== 1) throw new ParleyError('badParameter', 'toUserId: targeted messages need exactly one toGroupId');
    return answer(await delivery.deliver({ ...sendOf(req, '/message/group/publish', input), kind: 'group', groupIds: input.toGroupId, toUserIds: input.toUserId }), 'groupId');
  });

  post(app, { path: '/statusmessage/group/publish', summary: 'Send a status message to groups (online members only)', body: groupStatusBody }, async (input, req) => {
    return answer(await delivery.deliver({ ...sendOf(req, '/statusmessage/group/publish', input), kind: 'group', groupIds: input.toGroupId, status: true }), 'groupId');
  });

  post(app, { path: '/message/discussion/publish', summary: 'Send to discussions: the groups of the same ids', body: discussionPublishBody }, async (input, req) => {
    return answer(await delivery.deliver({ ...sendOf(req, '/message/discussion/publish', input), kind: 'group', groupIds: input.toDiscussionId }), 'discussionId');
  });

  post(app, { path: '/message/chatroom/publish', summary: 'Send to chatrooms (members online and joined now)', body: chatroomPublishBody }, async (input, req) => {
    return answer(await delivery.deliver({ ...sendOf(req, '/message/chatroom/publish', input), kind: 'chatroom', roomIds: input.toChatroomId }), 'chatroomId');
  });

  post(app, { path: '/message/chatroom/broadcast', summary: 'Send to every chatroom of the app (never stored)', body: chatroomBroadcastBody }, async (input, req) => {
    const result = await delivery.deliver({ kind: 'everyRoom', app: req.imApp, origin: { kind: 'api', echo: false }, fromUserId: input.fromUserId, objectName: input.objectName, content: { content: input.content } });
    return { messageUID: result.messageUIds[0]!.messageUId };
  });

  post(app, { path: '/message/ultragroup/publish', summary: 'Send to up to 3 ultra groups (JSON)', body: ultraGroupPublishBody }, async (input, req) => {
    if (input.toUserIds && input.toGroupIds.length !== 1) throw new ParleyError('badParameter', 'toUserIds: targeted messages need exactly one toGroupIds');
    const send = { ...sendOf(req, '/message/ultragroup/publish', input), kind: 'ultraGroup' as const, groupIds: input.toGroupIds, toUserIds: input.toUserIds, busChannel: input.busChannel ?? '' };
    const result = await delivery.deliver(send);
    return { messageUID: result.messageUIds[0]?.messageUId, ...answer(result, 'groupId') };
  });
}
