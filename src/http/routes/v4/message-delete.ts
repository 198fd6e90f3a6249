import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isMessageUId, messageUIdTime } from '../../../core/message-uid.js';
import type { RecallService } from '../../../core/recall.js';
import { normalizeChannel } from '../../../core/ultragroups.js';
import { busChannel, flag, id, integer, requiredText, text } from '../../params.js';
import { nexconn } from '../../route.js';
import { channelType, channelTypes } from './fields.js';

/**
 * `/v4/message/delete` is v1's `/message/recall`. `sentTime` may be left out: a message id
 * carries its send time (src/core/message-uid.ts), which then stands for it.
 */
export const messageDeleteBody = z
  .object({
    fromUserId: id,
    channelType,
    channelId: id,
    messageId: requiredText(64),
    sentTime: integer.pipe(z.number().min(0)).optional(),
    busChannel: busChannel.optional(),
    isAdmin: flag.optional(),
    isDelete: flag.optional(),
    extra: text(4096).optional(),
    disablePush: flag.optional(),
  })
  .refine((input) => input.sentTime !== undefined || isMessageUId(input.messageId), { path: ['sentTime'], message: 'required when messageId is not a Parley message id' });

export function nexconnMessageDeleteRoute(app: FastifyInstance, recalls: RecallService): void {
  nexconn(app, { path: '/v4/message/delete', summary: 'Recall a message (v1 /message/recall: RC:RcCmd to its channel; the stored row shows the recall)', body: messageDeleteBody }, async (input, req) => {
    await recalls.recall({
      app: req.imApp,
      origin: { kind: 'api', echo: false },
      fromUserId: input.fromUserId,
      messageUId: input.messageId,
      described: {
        conversationType: channelTypes[input.channelType],
        targetId: input.channelId,
        busChannel: normalizeChannel(input.busChannel ?? ''),
        sentTime: input.sentTime ?? messageUIdTime(input.messageId),
      },
      isAdmin: input.isAdmin ?? false,
      isDelete: input.isDelete ?? false,
      extra: input.extra ?? '',
      disablePush: input.disablePush,
    });
    return {};
  });
}
