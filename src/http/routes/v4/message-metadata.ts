import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../../core/apps.js';
import type { ExpansionChange, ExpansionService, ExtraContent } from '../../../core/expansion.js';
import { conversationTypes } from '../../../model/message.js';
import { busChannel, extraKeyVal, flag, id, integer, list, requiredText } from '../../params.js';
import { nexconn } from '../../route.js';

/**
 * Message metadata is v1's message expansion (src/http/routes/expansion.ts): key/values on
 * a message sent with `hasMetadata`. Direct, group and community channels have it, as v1's
 * private, group and ultra group conversations do; open channels (chatrooms) do not.
 */

const messageId = requiredText(64);
const keys = list(z.string());
const pageNo = integer.pipe(z.number().min(1)).optional();

const conversationFields = { messageId, userId: id, channelId: id, isEchoToSender: flag.optional() };
const communityFields = { messageId, userId: id, channelId: id, busChannel: busChannel.optional() };

export const conversationMetadataSetBody = z.object({ ...conversationFields, metadata: extraKeyVal });
export const conversationMetadataDeleteBody = z.object({ ...conversationFields, keys });
export const conversationMetadataListBody = z.object({ messageId, pageNo });
export const communityMetadataSetBody = z.object({ ...communityFields, metadata: extraKeyVal });
export const communityMetadataDeleteBody = z.object({ ...communityFields, keys });
export const communityMetadataListBody = z.object({ messageId, channelId: id, busChannel: busChannel.optional() });

const serverApi = { kind: 'api', echo: false } as const;

/** `result.metadata` as `{key: value}`; the time each key was set is v1's alone. */
const metadataOf = (extra: ExtraContent) => ({ metadata: Object.fromEntries(Object.entries(extra).map(([key, { v }]) => [key, v])) });

type ConversationInput = z.infer<z.ZodObject<typeof conversationFields>>;

/** The direct and group channel routes: one set of three per channel type. */
function conversationMetadataRoutes(app: FastifyInstance, expansion: ExpansionService, channel: 'direct' | 'group') {
  const conversationType = channel === 'direct' ? conversationTypes.private : conversationTypes.group;
  const change = (imApp: App, input: ConversationInput): ExpansionChange => ({
    app: imApp,
    messageUId: input.messageId,
    operatorId: input.userId,
    conversation: { conversationType, targetId: input.channelId },
    syncSender: input.isEchoToSender ?? false,
    origin: serverApi,
  });
  const base = `/v4/${channel}-channel/message/metadata`;
  nexconn(app, { path: `${base}/set`, summary: `Set metadata on a ${channel} channel message sent with hasMetadata`, body: conversationMetadataSetBody }, async (input, req) => {
    await expansion.set(change(req.imApp, input), input.metadata);
    return {};
  });
  nexconn(app, { path: `${base}/delete`, summary: `Delete metadata keys from a ${channel} channel message`, body: conversationMetadataDeleteBody }, async (input, req) => {
    await expansion.remove(change(req.imApp, input), input.keys);
    return {};
  });
  nexconn(app, { path: `${base}/list`, summary: `The metadata of a ${channel} channel message (300 keys per page)`, body: conversationMetadataListBody }, async (input, req) => {
    return metadataOf(await expansion.query(req.imApp, input.messageId, input.pageNo ?? 1));
  });
}

/** docs/nexconn-v4.md "Names and types": metadata of direct, group and community channel messages. */
export function nexconnMessageMetadataRoutes(app: FastifyInstance, expansion: ExpansionService): void {
  conversationMetadataRoutes(app, expansion, 'direct');
  conversationMetadataRoutes(app, expansion, 'group');

  const change = (imApp: App, input: z.infer<z.ZodObject<typeof communityFields>>): ExpansionChange => ({
    app: imApp,
    messageUId: input.messageId,
    operatorId: input.userId,
    conversation: { conversationType: conversationTypes.ultraGroup, targetId: input.channelId, busChannel: input.busChannel ?? '' },
    // Community channels always tell the operator's devices, as v1's ultra groups do.
    syncSender: false,
    origin: serverApi,
  });
  const base = '/v4/community-channel/message/metadata';
  nexconn(app, { path: `${base}/set`, summary: 'Set metadata on a community channel message sent with hasMetadata', body: communityMetadataSetBody }, async (input, req) => {
    await expansion.set(change(req.imApp, input), input.metadata);
    return {};
  });
  nexconn(app, { path: `${base}/delete`, summary: 'Delete metadata keys from a community channel message', body: communityMetadataDeleteBody }, async (input, req) => {
    await expansion.remove(change(req.imApp, input), input.keys);
    return {};
  });
  nexconn(app, { path: `${base}/list`, summary: 'The metadata of a community channel message', body: communityMetadataListBody }, async (input, req) => {
    return metadataOf(await expansion.query(req.imApp, input.messageId, 1, { groupId: input.channelId, busChannel: input.busChannel ?? '' }));
  });
}
