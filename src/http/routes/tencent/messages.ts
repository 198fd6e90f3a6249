import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ConversationListService } from '../../../core/conversation-list.js';
import type { Deliverer } from '../../../core/delivery/deliver.js';
import type { PushOptions, Send } from '../../../core/delivery/send.js';
import type { HistoryService } from '../../../core/history.js';
import { isMessageUId, messageUIdTime } from '../../../core/message-uid.js';
import type { RecallService } from '../../../core/recall.js';
import type { UserService } from '../../../core/users.js';
import { ParleyError } from '../../../errors.js';
import { conversationTypes } from '../../../model/message.js';
import { id, text } from '../../params.js';
import { TencentRefusal, tencentCodeOf } from '../../tencent/errors.js';
import { fromRongCloud, msgBody, toRongCloud } from '../../tencent/msg-body.js';
import { tencentService, type TencentDeps } from '../../tencent/route.js';

const uint32 = z.number().int().min(0).max(2 ** 32 - 1);

/** Tencent's OfflinePushInfo: what a push notification of the message shows (docs/tencent-im.md "Push"). */
const offlinePushInfo = z.object({
  PushFlag: z.union([z.literal(0), z.literal(1)]).optional(),
  Title: text(256).optional(),
  Desc: text(1024).optional(),
  Ext: text(4096).optional(),
  ApnsInfo: z.looseObject({ BadgeMode: z.union([z.literal(0), z.literal(1)]).optional(), Title: text(256).optional() }).optional(),
  AndroidInfo: z.looseObject({}).optional(),
});

const sendFields = {
  /** 1 (default): the sender's devices get the message too; 2: they do not. */
  SyncOtherMachine: z.union([z.literal(1), z.literal(2)]).optional(),
  From_Account: id.optional(),
  /** Seconds the message waits for an offline receiver; 0: online devices only. */
  MsgLifeTime: z.number().int().min(0).max(604_800).optional(),
  MsgRandom: uint32,
  MsgSeq: uint32.optional(),
  MsgBody: msgBody,
  SendMsgControl: z.array(z.enum(['NoUnread', 'NoLastMsg'])).max(2).optional(),
  OfflinePushInfo: offlinePushInfo.optional(),
  CloudCustomData: text(12_000).optional(),
};

export const sendMsgBody = z.object({ ...sendFields, To_Account: id });
export const batchSendMsgBody = z.object({ ...sendFields, To_Account: z.array(id).min(1).max(500) });
export const getRoamMsgBody = z.object({ Operator_Account: id, Peer_Account: id, MaxCnt: z.number().int().min(1).max(100), MinTime: uint32, MaxTime: uint32 });
export const msgWithdrawBody = z.object({ From_Account: id, To_Account: id, MsgKey: z.string().min(1).max(64) });
export const queryStateBody = z.object({ To_Account: z.array(id).min(1).max(500), IsNeedDetail: z.union([z.literal(0), z.literal(1)]).optional() });
export const unreadBody = z.object({ To_Account: id, Peer_Account: z.array(id).min(1).max(10).optional() });

type SendInput = z.infer<typeof sendMsgBody> | z.infer<typeof batchSendMsgBody>;

/** How many of the account's conversations the unread counts are summed over (the conversation list's own bound). */
const unreadConversations = 1000;

/** Tencent IM's `openim` (docs/tencent-im.md "One-to-one messages"): one-to-one sends, roaming, recall and state over the v1 services. */
export function tencentMessageRoutes(http: FastifyInstance, deps: TencentDeps & { delivery: Deliverer; history: HistoryService; recalls: RecallService; users: UserService; conversationList: ConversationListService }): Promise<void> {
  const { delivery, history, recalls, users, conversationList } = deps;
  return tencentService(http, 'openim', deps, (add) => {
    add({ command: 'sendmsg', summary: 'Send a one-to-one message, as an account (From_Account) or as the administrator', body: sendMsgBody }, async (input, req) => {
      const sent = await delivery.deliver(sendOf(req, input, [input.To_Account], 'sendmsg'));
      // The core leaves out a receiver who blocked the sender; Tencent answers that as 20007.
      const message = sent.messageUIds[0];
      if (!message) throw new ParleyError('rejectedByBlacklist');
      return { MsgTime: Math.floor(sent.sentTime / 1000), MsgKey: message.messageUId };
    });

    add({ command: 'batchsendmsg', summary: 'Send one message to up to 500 accounts', body: batchSendMsgBody }, async (input, req) => {
      const sent = await delivery.deliver(sendOf(req, input, input.To_Account, 'batchsendmsg'));
      const reached = new Set(sent.messageUIds.map((m) => m.targetId));
      const blocked = tencentCodeOf(new ParleyError('rejectedByBlacklist'), 'openim');
      return { MsgKey: sent.messageUIds[0]?.messageUId ?? '', ErrorList: input.To_Account.filter((userId) => !reached.has(userId)).map((To_Account) => ({ To_Account, ErrorCode: blocked })) };
    });

    add({ command: 'admin_getroammsg', summary: 'An account\'s one-to-one history with a peer in a time range (seconds), oldest first', body: getRoamMsgBody }, async (input, req) => {
      const rows = await history.range(req.imApp, {
        conversationType: conversationTypes.private,
        userId: input.Operator_Account,
        targetId: input.Peer_Account,
        startTime: input.MinTime * 1000,
        endTime: input.MaxTime * 1000 + 999,
        includeStart: true,
        pageSize: input.MaxCnt,
      });
      const last = rows[rows.length - 1];
      return {
        Complete: rows.length < input.MaxCnt ? 1 : 0,
        MsgCnt: rows.length,
        LastMsgTime: last ? Math.floor(last.sentTime / 1000) : 0,
        LastMsgKey: last?.messageUId ?? '',
        MsgList: rows.map((row) => ({
          From_Account: row.fromUserId,
          To_Account: row.fromUserId === input.Operator_Account ? input.Peer_Account : input.Operator_Account,
          MsgTimeStamp: Math.floor(row.sentTime / 1000),
          MsgKey: row.messageUId,
          MsgFlagBits: row.recalled ? 1 : 0,
          MsgBody: [fromRongCloud(row.objectName, row.content)],
        })),
      };
    });

    add({ command: 'admin_msgwithdraw', summary: 'Recall a one-to-one message by its MsgKey (as /message/recall)', body: msgWithdrawBody }, async (input, req) => {
      // 90054: "the MsgKey of the withdrawal is not valid" (Tencent's admin_msgwithdraw codes).
      if (!isMessageUId(input.MsgKey)) throw new TencentRefusal('badParameter', 90054, `MsgKey: ${input.MsgKey} is no MsgKey`);
      await recalls.recall({
        app: req.imApp,
        origin: { kind: 'api', echo: false },
        fromUserId: input.From_Account,
        messageUId: input.MsgKey,
        described: { conversationType: conversationTypes.private, targetId: input.To_Account, busChannel: '', sentTime: messageUIdTime(input.MsgKey) },
        isAdmin: true,
        isDelete: false,
        extra: '',
      });
      return {};
    });

    add({ command: 'querystate', summary: 'Whether accounts have a session on any node', body: queryStateBody }, async (input, req) => {
      const states = await Promise.all(input.To_Account.map(async (To_Account) => ({ To_Account, Status: (await users.isOnline(req.imApp, To_Account)) ? 'Online' : 'Offline' })));
      return { QueryResult: states, ErrorList: [] };
    });

    add({ command: 'get_c2c_unread_msg_num', summary: 'An account\'s unread one-to-one counts, in total and per peer', body: unreadBody }, async (input, req) => {
      const privateOnes = (await conversationList.list(req.imApp, input.To_Account, unreadConversations)).filter((c) => c.conversationType === conversationTypes.private);
      const counts = new Map(privateOnes.map((c) => [c.targetId, c.unreadCount]));
      const peers = input.Peer_Account ?? [];
      return {
        AllC2CUnreadMsgNum: privateOnes.reduce((sum, c) => sum + c.unreadCount, 0),
        ...(peers.length > 0 && { C2CUnreadMsgNumList: peers.map((Peer_Account) => ({ Peer_Account, C2CUnreadMsgNum: counts.get(Peer_Account) ?? 0 })) }),
      };
    });
  });
}

/**
 * A Tencent send as the v1 one-to-one send: the administrator sends as `From_Account` (itself
 * without one), `SyncOtherMachine` is the echo, `MsgLifeTime` 0 is a status (online-only)
 * send, `MsgRandom` makes retries within a minute answer the first result, and the blocklist
 * is checked as Tencent checks it (20007).
 */
function sendOf(req: FastifyRequest, input: SendInput, toUserIds: string[], command: string): Send {
  const fromUserId = input.From_Account ?? req.tencentIdentifier;
  const message = toRongCloud(input.MsgBody[0]!);
  const push = input.OfflinePushInfo;
  return {
    kind: 'private',
    app: req.imApp,
    origin: { kind: 'api', echo: input.SyncOtherMachine !== 2, verifyBlacklist: true },
    fromUserId,
    toUserIds,
    objectName: message.objectName,
    content: { content: message.content, pushContent: push?.Desc, pushData: push?.Ext },
    ...(input.SendMsgControl?.includes('NoUnread') && { isCounted: false }),
    status: input.MsgLifeTime === 0,
    idempotency: { key: `tencent:${command}:${fromUserId}:${createHash('sha256').update(toUserIds.join(',')).digest('base64url')}:${input.MsgRandom}`, ttlMs: 60_000 },
    push: push && pushOf(push),
  };
}

function pushOf(push: z.infer<typeof offlinePushInfo>): PushOptions {
  const title = push.ApnsInfo?.Title ?? push.Title;
  return { disablePush: push.PushFlag === 1, ...(title !== undefined && { ext: { title } }) };
}
