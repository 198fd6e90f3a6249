import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Deliverer } from '../../../core/delivery/deliver.js';
import type { GroupService } from '../../../core/groups.js';
import { id, text } from '../../params.js';
import { msgBody, toRongCloud } from '../../tencent/msg-body.js';
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

/** Tencent IM's `group_open_http_svc` (docs/tencent-im.md "Groups"): the v1 group services under Tencent's names. */
export function tencentGroupRoutes(http: FastifyInstance, deps: TencentDeps & { groups: GroupService; delivery: Deliverer }): Promise<void> {
  const { groups, delivery } = deps;
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
      return { MsgTime: Math.floor(sent.sentTime / 1000), MsgKey: sent.messageUIds[0]?.messageUId ?? '' };
    });
  });
}
