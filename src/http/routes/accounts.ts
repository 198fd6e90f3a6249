import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountService } from '../../core/accounts.js';
import type { UserService } from '../../core/users.js';
import { id, list, oneOf, pageParam } from '../params.js';
import { post } from '../route.js';
import { formatTime } from '../time-format.js';

/** Go sends `userId=a,b`, Java `userId=a,b` or one `userId`; the Go SDK's delusers repeats the key. */
const userIds = list(id, { max: 100, commaJoined: true });

/** Account deletion and the user list (docs/server-api.md "Account deletion"). */
export function accountRoutes(app: FastifyInstance, accounts: AccountService, users: UserService): void {
  post(app, { path: '/user/deactivate', summary: 'Deactivate users: everything of theirs goes but group memberships', body: z.object({ userId: userIds }) }, async (input, req) => {
    return { operateId: await accounts.deactivate(req.imApp, input.userId) };
  });
  const deactivatedPage = z.object({ pageNo: pageParam(), pageSize: pageParam(50) });
  post(app, { path: '/user/deactivate/query', summary: 'Page through deactivated users', body: deactivatedPage }, async (input, req) => {
    return { users: await accounts.listDeactivated(req.imApp, input.pageNo || 1, input.pageSize || 50) };
  });
  const reactivate = { summary: 'Reactivate users; they start empty', body: z.object({ userId: userIds }) };
  for (const path of ['/user/reactivate', '/user/activate']) {
    post(app, { path, ...reactivate }, async (input, req) => ({ operateId: await accounts.reactivate(req.imApp, input.userId) }));
  }
  post(app, { path: '/user/delusers', summary: 'Delete users for good (their ids may be registered again at once)', body: z.object({ userId: userIds }) }, async (input, req) => {
    await accounts.delete(req.imApp, input.userId);
    return {};
  });
  const queryBody = z.object({ page: pageParam(), pageSize: pageParam(100), order: oneOf([0, 1]).optional() });
  post(app, { path: '/user/query', summary: 'Page through the app\'s users by registration time (order 1: newest first)', body: queryBody }, async (input, req) => {
    const { total, users: page } = await users.page(req.imApp, input.page || 1, input.pageSize || 20, input.order === 1);
    return { total, users: page.map((u) => ({ userId: u.userId, userName: u.name, userPortrait: u.portraitUri, regTime: formatTime(u.createdAt) })) };
  });
}
