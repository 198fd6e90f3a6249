import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ConversationListService } from '../../core/conversation-list.js';
import { flag, id, oneOf } from '../params.js';
import { post } from '../route.js';

/** `/conversation/top/set.json` (docs/server-api.md "Pinned conversations"): types 1, 3 and 6, as the Go SDK documents. */
const topBody = z.object({ userId: id, conversationType: oneOf([1, 3, 6]), targetId: id, setTop: flag });

/** The conversation list's settings the app backend makes for a user. */
export function conversationRoutes(app: FastifyInstance, conversationList: ConversationListService): void {
  post(app, { path: '/conversation/top/set', summary: 'Pin (setTop=true) or unpin a conversation in a user\'s list', body: topBody }, async (input, req) => {
    await conversationList.setPinned(req.imApp, input.userId, input, input.setTop);
    return {};
  });
}
