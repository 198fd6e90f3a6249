import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PermissionService } from '../../../core/permissions.js';
import type { UserService } from '../../../core/users.js';
import { id, integer, list, text } from '../../params.js';
import { nexconn } from '../../route.js';

export const issueTokenBody = z.object({ userId: id, name: text(256).optional(), avatarUrl: text(1024).optional() });
/** `expiresAt`: epoch ms; tokens issued before it stop working (v1 `time`). */
export const expireTokensBody = z.object({ userIds: list(id, { max: 20, commaJoined: true }), expiresAt: integer.pipe(z.number().min(0)) });
export const onlineStatusBody = z.object({ userId: id });
export const blocklistChangeBody = z.object({ userId: id, targetUserIds: list(id, { max: 20 }) });
export const blocklistListBody = z.object({ userId: id, pageToken: text(64).optional(), size: integer.pipe(z.number().min(1).max(1000)).optional() });

/** docs/nexconn-v4.md "Names and types": access tokens, online status and the blocklist, over the v1 services. */
export function nexconnUserRoutes(app: FastifyInstance, users: UserService, permissions: PermissionService): void {
  nexconn(app, { path: '/v4/auth/access-token/issue', summary: 'Register a user and issue an access token (a v1 token: it opens the WebSocket)', body: issueTokenBody }, async (input, req) => {
    const accessToken = await users.getToken(req.imApp, { userId: input.userId, name: input.name ?? '', portraitUri: input.avatarUrl ?? '' });
    return { userId: input.userId, accessToken };
  });

  nexconn(app, { path: '/v4/auth/access-token/expire', summary: 'Invalidate the access tokens issued before a time (their sessions are closed)', body: expireTokensBody }, async (input, req) => {
    await users.expireTokens(req.imApp, input.userIds, input.expiresAt);
    return {};
  });

  nexconn(app, { path: '/v4/user/online-status/get', summary: 'Whether a user has a session on any node ("1" or "0")', body: onlineStatusBody }, async (input, req) => {
    return { userId: input.userId, status: (await users.isOnline(req.imApp, input.userId)) ? '1' : '0' };
  });

  nexconn(app, { path: '/v4/user/blocklist/add', summary: 'Add users to a user\'s blocklist', body: blocklistChangeBody }, async (input, req) => {
    await permissions.addRelations(req.imApp, 'block', input.userId, input.targetUserIds);
    return {};
  });

  nexconn(app, { path: '/v4/user/blocklist/remove', summary: 'Remove users from a user\'s blocklist', body: blocklistChangeBody }, async (input, req) => {
    await permissions.removeRelations(req.imApp, 'block', input.userId, input.targetUserIds);
    return {};
  });

  nexconn(app, { path: '/v4/user/blocklist/list', summary: 'Page through a user\'s blocklist (pass `nextPageToken` back as `pageToken`)', body: blocklistListBody }, async (input, req) => {
    const size = input.size ?? 1000;
    const userIds = await permissions.listRelations(req.imApp, 'block', input.userId, input.pageToken ?? '', size);
    return { userIds, ...(userIds.length === size && { nextPageToken: userIds[userIds.length - 1] }) };
  });
}
