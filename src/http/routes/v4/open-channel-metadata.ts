import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ChatroomService } from '../../../core/chatrooms.js';
import { ParleyError } from '../../../errors.js';
import { flag, id, list } from '../../params.js';
import { nexconn } from '../../route.js';
import { entryInfo, entryKey } from '../chatrooms.js';
import { objectText } from './fields.js';

/**
 * An open channel's metadata is a chatroom's attributes (v1 `/chatroom/entry/*`,
 * src/http/routes/chatrooms.ts): the same key and value rules, 20 keys per call.
 */
export const openMetadataSetBody = z.object({ channelId: id, userId: id, metadata: objectText(entryInfo), autoDelete: flag.optional() });
export const openMetadataGetBody = z.object({ channelId: id, keys: list(entryKey, { max: 100 }).optional() });
export const openMetadataRemoveBody = z.object({ channelId: id, userId: id, keys: list(entryKey, { max: 20 }) });

/** docs/nexconn-v4.md "What differs from v1": batch/remove is all or none. */
export function nexconnOpenChannelMetadataRoutes(app: FastifyInstance, chatrooms: ChatroomService): void {
  nexconn(app, { path: '/v4/open-channel/metadata/batch/set', summary: 'Set up to 20 metadata keys of an open channel (all or none; the channel is told of each)', body: openMetadataSetBody }, async (input, req) => {
    const entries = input.metadata.map((e) => ({ ...e, autoDelete: input.autoDelete ?? false }));
    await chatrooms.setEntries(req.imApp, input.channelId, input.userId, entries, true);
    return {};
  });

  nexconn(app, { path: '/v4/open-channel/metadata/batch/get', summary: 'Read an open channel\'s metadata (all, or the keys given)', body: openMetadataGetBody }, async (input, req) => {
    const entries = await chatrooms.entries(req.imApp, input.channelId, input.keys);
    return {
      metadata: Object.fromEntries(entries.map((e) => [e.key, e.value])),
      entries: entries.map((e) => ({ key: e.key, value: e.value, userId: e.userId, autoDelete: e.autoDelete, updatedAt: e.setAt })),
    };
  });

  nexconn(app, { path: '/v4/open-channel/metadata/batch/remove', summary: 'Remove up to 20 metadata keys of an open channel (the channel is told of each)', body: openMetadataRemoveBody }, async (input, req) => {
    // All or none, like batch/set: a key not set refuses the call before anything is removed.
    const present = new Set((await chatrooms.entries(req.imApp, input.channelId, input.keys)).map((e) => e.key));
    const missing = input.keys.filter((key) => !present.has(key));
    if (missing.length > 0) throw new ParleyError('chatroomKeyNotExist', `keys: not set: ${missing.join(', ')}`);
    for (const key of input.keys) await chatrooms.removeEntry(req.imApp, input.channelId, input.userId, key);
    return {};
  });
}
