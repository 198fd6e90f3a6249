import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HistoryService } from '../../core/history.js';
import { conversationTypes } from '../../model/message.js';
import type { RecallService } from '../../core/recall.js';
import { normalizeChannel } from '../../core/ultragroups.js';
import { busChannel, flag, id, integer, requiredText, text } from '../params.js';
import { post } from '../route.js';

const messageUID = requiredText(64);
const time = integer.pipe(z.number().min(0));
const recallFlags = { isAdmin: flag.optional(), isDelete: flag.optional(), extra: text(4096).optional(), disablePush: flag.optional(), disableUpdateLastMsg: flag.optional() };

export const recallBody = z.object({
  fromUserId: id,
  // 2 (discussion) names the group of the same id, as /message/discussion/publish.json sends it there.
  conversationType: integer.pipe(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(6), z.literal(10)])).transform((t) => (t === 2 ? 3 : t)),
  targetId: id,
  messageUID,
  sentTime: time,
  busChannel: busChannel.optional(),
  ...recallFlags,
});

export const broadcastRecallBody = z.object({ fromUserId: id, messageUID, sentTime: time, ...recallFlags });

const rangeBody = {
  userId: id,
  targetId: id,
  startTime: time,
  endTime: time,
  pageSize: integer.pipe(z.number().min(1).max(100)).default(20),
  includeStart: flag.default(false),
};
export const historyQueryBody = z.object(rangeBody);
export const ultraGroupHistoryQueryBody = z.object({ ...rangeBody, busChannel: busChannel.optional() });

export const historyCleanBody = z.object({
  conversationType: integer.pipe(z.union([z.literal(1), z.literal(3), z.literal(4), z.literal(6)])),
  fromUserId: id,
  targetId: id,
  msgTimestamp: time.optional(),
});

/** docs/server-api.md "Recall and history": recall, the per-conversation history queries and the history clean. */
export function historyRoutes(app: FastifyInstance, history: HistoryService, recalls: RecallService): void {
  post(app, { path: '/message/recall', summary: 'Recall a message (RC:RcCmd to its conversation; the stored row shows the recall)', body: recallBody }, async (input, req) => {
    await recalls.recall({
      app: req.imApp,
      origin: { kind: 'api', echo: false },
      fromUserId: input.fromUserId,
      messageUId: input.messageUID,
      described: { conversationType: input.conversationType, targetId: input.targetId, busChannel: normalizeChannel(input.busChannel ?? ''), sentTime: input.sentTime },
      isAdmin: input.isAdmin ?? false,
      isDelete: input.isDelete ?? false,
      extra: input.extra ?? '',
      disablePush: input.disablePush,
    });
    return {};
  });

  post(app, { path: '/message/broadcast/recall', summary: 'Recall a broadcast from every user', body: broadcastRecallBody }, async (input, req) => {
    const flags = { isAdmin: input.isAdmin ?? false, isDelete: input.isDelete ?? false, extra: input.extra ?? '' };
    return { messageUID: await recalls.broadcastRecall(req.imApp, input.fromUserId, input.messageUID, input.sentTime, flags) };
  });

  const kinds = [
    ['private', conversationTypes.private],
    ['group', conversationTypes.group],
    ['chatroom', conversationTypes.chatroom],
  ] as const;
  for (const [kind, conversationType] of kinds) {
    post(app, { path: `/v3/message/${kind}/query`, summary: `A user's ${kind} history in a time range, oldest first (JSON)`, body: historyQueryBody }, async (input, req) => ({
      data: (await history.range(req.imApp, { ...input, conversationType })).map((row) => item(input.targetId, row)),
    }));
  }
  post(app, { path: '/v3/message/ultragroup/query', summary: 'An ultra group channel\'s history in a time range, oldest first (JSON)', body: ultraGroupHistoryQueryBody }, async (input, req) => ({
    data: (await history.range(req.imApp, { ...input, conversationType: conversationTypes.ultraGroup })).map((row) => ({ ...item(input.targetId, row), busChannel: row.busChannel })),
  }));

  post(app, { path: '/conversation/message/history/clean', summary: 'Clear a conversation\'s history for a user (a chatroom\'s for everyone)', body: historyCleanBody }, async (input, req) => {
    await history.clean(req.imApp, { conversationType: input.conversationType, targetId: input.targetId, userId: input.fromUserId, before: input.msgTimestamp });
    return {};
  });
}

function item(targetId: string, row: Awaited<ReturnType<HistoryService['range']>>[number]) {
  return {
    targetId,
    fromUserId: row.fromUserId,
    messageUID: row.messageUId,
    msgTime: row.sentTime,
    objectName: row.objectName,
    content: row.content,
    expansion: row.expansion,
    extraContent: row.extraContent,
  };
}
