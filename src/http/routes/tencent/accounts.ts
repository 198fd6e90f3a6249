import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountService } from '../../../core/accounts.js';
import type { UserService } from '../../../core/users.js';
import { id, text } from '../../params.js';
import { tencentService, type TencentDeps } from '../../tencent/route.js';

const userItems = z.array(z.object({ UserID: id })).min(1).max(100);

export const accountImportBody = z.object({ UserID: id, Nick: text(256).optional(), FaceUrl: text(1024).optional() });
export const multiAccountImportBody = z.object({ Accounts: z.array(id).min(1).max(100) });
export const accountDeleteBody = z.object({ DeleteItem: userItems });
export const accountCheckBody = z.object({ CheckItem: userItems });
export const kickBody = z.object({ UserID: id });

/** Tencent IM's `im_open_login_svc` (docs/tencent-im.md "Accounts"): the v1 user and account services under Tencent's names. */
export function tencentAccountRoutes(http: FastifyInstance, deps: TencentDeps & { users: UserService; accounts: AccountService }): Promise<void> {
  const { users, accounts, clock } = deps;
  return tencentService(http, 'im_open_login_svc', deps, (add) => {
    add({ command: 'account_import', summary: 'Register an account (as /user/getToken; no token is answered)', body: accountImportBody }, async (input, req) => {
      await users.getToken(req.imApp, { userId: input.UserID, name: input.Nick ?? '', portraitUri: input.FaceUrl ?? '' });
      return {};
    });

    add({ command: 'multiaccount_import', summary: 'Register up to 100 accounts', body: multiAccountImportBody }, async (input, req) => {
      for (const userId of input.Accounts) await users.getToken(req.imApp, { userId, name: '', portraitUri: '' });
      return { FailAccounts: [] };
    });

    add({ command: 'account_check', summary: 'Whether accounts are registered', body: accountCheckBody }, async (input, req) => {
      const known = await users.registered(req.imApp, input.CheckItem.map((item) => item.UserID));
      return { ResultItem: input.CheckItem.map(({ UserID }) => ({ UserID, ResultCode: 0, ResultInfo: '', AccountStatus: known.has(UserID) ? 'Imported' : 'NotImported' })) };
    });

    add({ command: 'account_delete', summary: 'Delete accounts for good (as /user/delusers)', body: accountDeleteBody }, async (input, req) => {
      const userIds = input.DeleteItem.map((item) => item.UserID);
      await accounts.delete(req.imApp, userIds);
      return { ResultItem: userIds.map((UserID) => ({ ResultCode: 0, ResultInfo: '', UserID })) };
    });

    add({ command: 'kick', summary: 'End an account\'s login state: its sessions close and its tokens stop working (as /user/token/expire)', body: kickBody }, async (input, req) => {
      // +1: a token issued in this very millisecond is revoked too.
      await users.expireTokens(req.imApp, [input.UserID], clock.now() + 1);
      return {};
    });
  });
}
