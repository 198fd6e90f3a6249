import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Deliverer } from '../../../core/delivery/deliver.js';
import type { Delivered } from '../../../core/delivery/send.js';
import { ParleyError } from '../../../errors.js';
import { busChannel, flag, id, integer, list } from '../../params.js';
import { nexconn } from '../../route.js';
import { sendOf, type ConversationSendInput } from '../conversation-messages.js';
import { apiSend } from '../messages.js';
import { mentionFields, sendFields } from './fields.js';

type SendInput = z.infer<z.ZodObject<typeof sendFields>> & { hasMention?: boolean | undefined; verifyBlocklist?: boolean | undefined; verifyBlacklist?: boolean | undefined };

/** A v4 send under its v1 names: the same send builders then apply every v1 rule (docs/nexconn-v4.md "Names and types"). */
function asV1(input: SendInput): ConversationSendInput & { verifyBlacklist?: boolean | undefined } {
  if (input.metadata && input.hasMetadata === false) throw new ParleyError('badParameter', 'metadata: needs hasMetadata=true');
  return {
    fromUserId: input.fromUserId,
    objectName: input.messageType,
    content: input.content,
    pushContent: input.pushContent,
    pushData: input.pushData,
    isEchoToSender: input.isEchoToSender,
    isPersisted: input.shouldPersist,
    isCounted: input.isCounted,
    isMentioned: input.hasMention,
    // Metadata given means the message carries it.
    expansion: input.hasMetadata ?? (input.metadata !== undefined || undefined),
    extraContent: input.metadata,
    msgRandom: input.msgRandom,
    disablePush: input.disablePush,
    pushExt: input.pushExt,
    count: input.count,
    verifyBlacklist: input.verifyBlocklist ?? input.verifyBlacklist,
  };
}

/** `result.messageIds`: one per message, named by the channel it went to (for a direct channel, the receiver). */
const messageIds = (delivered: Delivered) => ({
  messageIds: delivered.messageUIds.map((m) => ({ channelId: m.targetId, messageId: m.messageUId })),
});

const contentOf = (input: SendInput) => ({ content: input.content, pushContent: input.pushContent, pushData: input.pushData });

/** `verifyBlacklist`: the spelling Nexconn's blocklist page gives the same switch. */
export const directSendBody = z.object({ ...sendFields, toUserIds: list(id, { max: 1000 }), verifyBlocklist: flag.optional(), verifyBlacklist: flag.optional() });
export const groupSendBody = z.object({ ...sendFields, ...mentionFields, toChannelIds: list(id, { max: 3 }), toUserIds: list(id, { max: 1000 }).optional() });
/** `priority` is accepted with no effect: Parley's chatroom delivery ranks no message above another (docs/nexconn-v4.md). */
export const openSendBody = z.object({ ...sendFields, ...mentionFields, toChannelIds: list(id, { max: 50 }), priority: integer.optional() });
export const openBroadcastBody = z.object({ fromUserId: id, messageType: sendFields.messageType, content: sendFields.content });
export const communitySendBody = z.object({ ...groupSendBody.shape, busChannel: busChannel.optional() });

/** Targeted sends (toUserIds) go to the members of one channel only, as in v1. */
function assertOneChannelIfTargeted(input: { toChannelIds: string[]; toUserIds?: string[] | undefined }) {
  if (input.toUserIds && input.toChannelIds.length !== 1) throw new ParleyError('badParameter', 'toUserIds: targeted messages need exactly one toChannelIds');
}

/** docs/nexconn-v4.md "Names and types": each v4 send is the v1 send of its channel type. */
export function nexconnSendRoutes(app: FastifyInstance, delivery: Deliverer): void {
  nexconn(app, { path: '/v4/direct-channel/message/send', summary: 'Send one-to-one messages (up to 1000 receivers)', body: directSendBody }, async (input, req) => {
    const path = '/v4/direct-channel/message/send';
    const delivered = await delivery.deliver({ ...apiSend(req, path, asV1(input), 'private'), toUserIds: input.toUserIds, content: contentOf(input) });
    return messageIds(delivered);
  });

  nexconn(app, { path: '/v4/group-channel/message/send', summary: 'Send to up to 3 group channels (or to some members of one)', body: groupSendBody }, async (input, req) => {
    assertOneChannelIfTargeted(input);
    const delivered = await delivery.deliver({ ...sendOf(req, '/v4/group-channel/message/send', asV1(input)), kind: 'group', groupIds: input.toChannelIds, toUserIds: input.toUserIds });
    return messageIds(delivered);
  });

  nexconn(app, { path: '/v4/open-channel/message/send', summary: 'Send to open channels (members joined now)', body: openSendBody }, async (input, req) => {
    const delivered = await delivery.deliver({ ...sendOf(req, '/v4/open-channel/message/send', asV1(input)), kind: 'chatroom', roomIds: input.toChannelIds });
    return messageIds(delivered);
  });

  nexconn(app, { path: '/v4/open-channel/message/broadcast', summary: 'Send to every open channel of the app (never stored)', body: openBroadcastBody }, async (input, req) => {
    const delivered = await delivery.deliver({ kind: 'everyRoom', app: req.imApp, origin: { kind: 'api', echo: false }, fromUserId: input.fromUserId, objectName: input.messageType, content: { content: input.content } });
    return { messageId: delivered.messageUIds[0]!.messageUId };
  });

  nexconn(app, { path: '/v4/community-channel/message/send', summary: 'Send to up to 3 community channels (or to some members of one)', body: communitySendBody }, async (input, req) => {
    assertOneChannelIfTargeted(input);
    const send = { ...sendOf(req, '/v4/community-channel/message/send', asV1(input)), kind: 'ultraGroup' as const, groupIds: input.toChannelIds, toUserIds: input.toUserIds, busChannel: input.busChannel ?? '' };
    return messageIds(await delivery.deliver(send));
  });
}
