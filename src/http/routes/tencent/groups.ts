import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Deliverer } from '../../../core/delivery/deliver.js';
import type { GroupService } from '../../../core/groups.js';
import type { HistoryService, SequencedMessage } from '../../../core/history.js';
import { id, text } from '../../params.js';
import { fromRongCloud, msgBody, toRongCloud } from '../../tencent/msg-body.js';
import { tencentService, type TencentDeps } from '../../tencent/route.js';

const memberList = z.array(z.object({ Member_Account: id, Role: z.literal('Admin').optional() })).max(500);

export const createGroupBody = z.object({
  Owner_Account: id.optional(),
  /** The group types whose members keep the group: the others are chatrooms (not served here). */
  Type: z.enum(['Private', 'Public', 'Work', 'Meeting']),
  Name: text(256).refine((name) => name.length > 0, { message: 'required' }),
  GroupId: id.optional(),
  MemberList: memberList.optional(),
});
export const addGroupMemberBody = z.object({ GroupId: id, MemberList: memberList.min(1), Silence: z.union([z.literal(0), z.literal(1)]).optional() });
export const deleteGroupMemberBody = z.object({ GroupId: id, MemberToDel_Account: z.array(id).min(1).max(100), Silence: z.union([z.literal(0), z.literal(1)]).optional(), Reason: text(256).optional() });
export const sendGroupMsgBody = z.object({
  GroupId: id,
  From_Account: id.optional(),
  Random: z.number().int().min(0).max(2 ** 32 - 1),
  MsgBody: msgBody,
  /** 1: online members only, never stored (the status rule). */
  OnlineOnlyFlag: z.union([z.literal(0), z.literal(1)]).optional(),
  SendMsgControl: z.array(z.enum(['NoUnread', 'NoLastMsg'])).max(2).optional(),
  OfflinePushInfo: z.object({ PushFlag: z.union([z.literal(0), z.literal(1)]).optional(), Desc: text(1024).optional(), Ext: text(4096).optional() }).passthrough().optional(),
});

export const groupMsgGetSimpleBody = z.object({
  GroupId: id,
  ReqMsgNumber: z.number().int().min(1).max(1000),
  /** The highest MsgSeq wanted (default: the newest). */
  ReqMsgSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  WithRecalledMsg: z.union([z.literal(0), z.literal(1)]).optional(),
});

/** Messages one `group_msg_get_simple` answers at most (Tencent's documented page). */
const maxMsgsPerPage = 20;

/**
 * One entry of `RspMsgList`. `IsPlaceMsg` 1: a number without its message (never stored,
 * deleted, or past retention); 2: recalled. Parley keeps no sender's `Random`: `MsgRandom`
 * is derived from the message id, stable across reads.
 */
function rspMsg(seq: number, row: SequencedMessage | undefined): Record<string, unknown> {
  if (!row) return { MsgSeq: seq, IsPlaceMsg: 1, From_Account: '', MsgTimeStamp: 0, MsgRandom: 0, MsgBody: [] };
  return {
    MsgSeq: seq,
    IsPlaceMsg: row.recalled ? 2 : 0,
    From_Account: row.fromUserId,
    MsgTimeStamp: Math.floor(row.sentTime / 1000),
    MsgRandom: createHash('sha256').update(row.messageUId).digest().readUInt32BE(0),
    MsgBody: row.recalled ? [] : [fromRongCloud(row.objectName, row.content)],
  };
}

/** Tencent IM's `group_open_http_svc` (docs/tencent-im.md "Groups"): the v1 group services under Tencent's names. */
export function tencentGroupRoutes(http: FastifyInstance, deps: TencentDeps & { groups: GroupService; delivery: Deliverer; history: HistoryService }): Promise<void> {
  const { groups, delivery, history } = deps;
  return tencentService(http, 'group_open_http_svc', deps, (add) => {
    add({ command: 'create_group', summary: 'Create a group with its owner and members (as /group/create)', body: createGroupBody }, async (input, req) => {
      // Tencent's own ids (`@TGS#…`) hold characters user ids may not; Parley's have letters and digits only.
      const groupId = input.GroupId ?? `TGS${randomBytes(8).toString('hex')}`;
      const members = [...(input.Owner_Account ? [input.Owner_Account] : []), ...(input.MemberList ?? []).map((m) => m.Member_Account)];
      await groups.create(req.imApp, groupId, input.Name, [...new Set(members)]);
      return { GroupId: groupId };
    });

    add({ command: 'add_group_member', summary: 'Add members (as /group/join)', body: addGroupMemberBody }, async (input, req) => {
      // Also refuses an unknown group (10010): Tencent adds to existing groups only.
      const before = new Set(await groups.listMembers(req.imApp, input.GroupId));
      const added = input.MemberList.map((m) => m.Member_Account);
      await groups.join(req.imApp, input.GroupId, added);
      // Result: 1 added, 2 a member already (Tencent's values).
      return { MemberList: added.map((Member_Account) => ({ Member_Account, Result: before.has(Member_Account) ? 2 : 1 })) };
    });

    add({ command: 'delete_group_member', summary: 'Remove members (as /group/quit)', body: deleteGroupMemberBody }, async (input, req) => {
      // Tencent refuses an unknown group (10010) where v1 quits silently: the read refuses it.
      await groups.listMembers(req.imApp, input.GroupId);
      await groups.quit(req.imApp, input.GroupId, input.MemberToDel_Account);
      return {};
    });

    add({ command: 'send_group_msg', summary: 'Send to a group, as a member (From_Account) or as the administrator (as /message/group/publish)', body: sendGroupMsgBody }, async (input, req) => {
      const fromUserId = input.From_Account ?? req.tencentIdentifier;
      const message = toRongCloud(input.MsgBody[0]!);
      const push = input.OfflinePushInfo;
      const sent = await delivery.deliver({
        kind: 'group',
        app: req.imApp,
        // A group message is in the sender's group too: its own devices get it.
        origin: { kind: 'api', echo: true },
        fromUserId,
        groupIds: [input.GroupId],
        objectName: message.objectName,
        content: { content: message.content, pushContent: push?.Desc, pushData: push?.Ext },
        ...(input.SendMsgControl?.includes('NoUnread') && { isCounted: false }),
        status: input.OnlineOnlyFlag === 1,
        idempotency: { key: `tencent:send_group_msg:${fromUserId}:${input.GroupId}:${input.Random}`, ttlMs: 60_000 },
        ...(push?.PushFlag === 1 && { push: { disablePush: true } }),
      });
      const msgKey = sent.messageUIds[0]?.messageUId ?? '';
      const msgSeq = msgKey ? await history.groupSeqOf(req.imApp, msgKey, sent.sentTime) : undefined;
      return { MsgTime: Math.floor(sent.sentTime / 1000), MsgKey: msgKey, ...(msgSeq !== undefined && { MsgSeq: msgSeq }) };
    });

    add({ command: 'group_msg_get_simple', summary: 'A group\'s history by MsgSeq, newest first, up to 20 a call', body: groupMsgGetSimpleBody }, async (input, req) => {
      // An unknown group is 10010, as Tencent answers, not an empty page.
      await groups.listMembers(req.imApp, input.GroupId);
      const page = await history.groupBySeq(req.imApp, input.GroupId, { maxSeq: input.ReqMsgSeq, count: Math.min(input.ReqMsgNumber, maxMsgsPerPage) });
      const bySeq = new Map(page.rows.map((row) => [row.groupSeq, row]));
      const list: Array<Record<string, unknown>> = [];
      for (let seq = page.to; seq >= page.from; seq--) {
        const row = bySeq.get(seq);
        if (row?.recalled && input.WithRecalledMsg !== 1) continue;
        list.push(rspMsg(seq, row));
      }
      // 1: every number asked for is answered (or the group has no older one); 0: more than a page was asked.
      const isFinished = input.ReqMsgNumber <= maxMsgsPerPage || page.from === 1 ? 1 : 0;
      return { GroupId: input.GroupId, IsFinished: isFinished, RspMsgList: list };
    });
  });
}
