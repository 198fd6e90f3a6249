import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { friendCheck, type FriendService } from '../../../core/friends.js';
import type { PermissionService } from '../../../core/permissions.js';
import { asParleyError } from '../../../errors.js';
import { id, text } from '../../params.js';
import { tencentCodeOf } from '../../tencent/errors.js';
import { tencentService, type TencentDeps } from '../../tencent/route.js';

const accounts = z.array(id).min(1).max(1000);

export const friendAddBody = z.object({
  From_Account: id,
  AddFriendItem: z.array(z.object({ To_Account: id, AddSource: text(64).optional(), Remark: text(96).optional(), GroupName: text(64).optional(), AddWording: text(256).optional() })).min(1).max(1000),
  AddType: z.enum(['Add_Type_Single', 'Add_Type_Both']).optional(),
  /** 1: added whatever the target's friend permission (as v1 `optType` 2). */
  ForceAddFlags: z.union([z.literal(0), z.literal(1)]).optional(),
});
export const friendDeleteBody = z.object({ From_Account: id, To_Account: accounts, DeleteType: z.enum(['Delete_Type_Single', 'Delete_Type_Both']).optional() });
export const friendCheckBody = z.object({ From_Account: id, To_Account: accounts, CheckType: z.enum(['CheckResult_Type_Single', 'CheckResult_Type_Both']).optional() });
export const blackListBody = z.object({ From_Account: id, To_Account: accounts });
export const blackListCheckBody = z.object({ From_Account: id, To_Account: accounts, CheckType: z.enum(['BlackCheckResult_Type_Single', 'BlackCheckResult_Type_Both']).optional() });

const friendRelation: Record<number, string> = {
  [friendCheck.both]: 'CheckResult_Type_BothWay',
  [friendCheck.mineOnly]: 'CheckResult_Type_AWithB',
  [friendCheck.theirsOnly]: 'CheckResult_Type_BWithA',
  [friendCheck.neither]: 'CheckResult_Type_NoRelation',
};

const done = (To_Account: string) => ({ To_Account, ResultCode: 0, ResultInfo: '' });

/** Tencent IM's `sns` (docs/tencent-im.md "Friends and blocklist"): the v1 friend and blocklist services, the same permission model. */
export function tencentSnsRoutes(http: FastifyInstance, deps: TencentDeps & { friends: FriendService; permissions: PermissionService }): Promise<void> {
  const { friends, permissions } = deps;
  return tencentService(http, 'sns', deps, (add) => {
    add({ command: 'friend_add', summary: 'Add friends (as /friend/add); each item answers its own ResultCode', body: friendAddBody }, async (input, req) => {
      const ResultItem = [];
      for (const { To_Account } of input.AddFriendItem) {
        try {
          await friends.add(req.imApp, input.From_Account, To_Account, input.ForceAddFlags === 1 ? 2 : 1, input.AddType === 'Add_Type_Single' ? 1 : 2);
          ResultItem.push(done(To_Account));
        } catch (err) {
          // A refusal of one target (it approves requests, it accepts none) is that item's; anything else fails the call.
          const refusal = asParleyError(err);
          if (!refusal || refusal.kind === 'storageTimeout') throw err;
          ResultItem.push({ To_Account, ResultCode: tencentCodeOf(refusal, 'sns'), ResultInfo: refusal.message });
        }
      }
      return { ResultItem, Fail_Account: ResultItem.filter((item) => item.ResultCode !== 0).map((item) => item.To_Account) };
    });

    add({ command: 'friend_delete', summary: 'End friendships, one way or both (default)', body: friendDeleteBody }, async (input, req) => {
      await friends.remove(req.imApp, input.From_Account, input.To_Account, input.DeleteType === 'Delete_Type_Single' ? 1 : 2);
      return { ResultItem: input.To_Account.map(done) };
    });

    add({ command: 'friend_check', summary: 'How an account and others count each other as friends', body: friendCheckBody }, async (input, req) => {
      const results = await friends.check(req.imApp, input.From_Account, input.To_Account);
      // Single checks From_Account's friend list only.
      const single = input.CheckType === 'CheckResult_Type_Single';
      const relationOf = (result: number) => (!single ? friendRelation[result] : result === friendCheck.both || result === friendCheck.mineOnly ? 'CheckResult_Type_AWithB' : 'CheckResult_Type_NoRelation');
      return { InfoItem: results.map((r) => ({ ...done(r.userId), Relation: relationOf(r.result) })), Fail_Account: [] };
    });

    add({ command: 'black_list_add', summary: 'Add to an account\'s blocklist (as /user/blacklist/add)', body: blackListBody }, async (input, req) => {
      await permissions.addRelations(req.imApp, 'block', input.From_Account, input.To_Account);
      return { ResultItem: input.To_Account.map(done), Fail_Account: [] };
    });

    add({ command: 'black_list_delete', summary: 'Remove from an account\'s blocklist', body: blackListBody }, async (input, req) => {
      await permissions.removeRelations(req.imApp, 'block', input.From_Account, input.To_Account);
      return { ResultItem: input.To_Account.map(done), Fail_Account: [] };
    });

    add({ command: 'black_list_check', summary: 'Whether an account and others block each other', body: blackListCheckBody }, async (input, req) => {
      const app = req.imApp;
      // Single checks From_Account's list only; Both also whether each other's list has From_Account.
      const both = input.CheckType !== 'BlackCheckResult_Type_Single';
      const blockFrom = both ? await permissions.blockedBy(app, input.From_Account, input.To_Account) : new Set<string>();
      const blockedByFrom = await Promise.all(input.To_Account.map(async (other) => (await permissions.blockedBy(app, other, [input.From_Account])).has(input.From_Account)));
      return {
        BlackListCheckItem: input.To_Account.map((other, i) => {
          const mine = blockedByFrom[i]!;
          const theirs = blockFrom.has(other);
          const Relation = mine && theirs ? 'BlackCheckResult_Type_BothWay' : mine ? 'BlackCheckResult_Type_AWithB' : theirs ? 'BlackCheckResult_Type_BWithA' : 'BlackCheckResult_Type_NO';
          return { ...done(other), Relation };
        }),
        Fail_Account: [],
      };
    });
  });
}
