import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FriendService } from '../../core/friends.js';
import { id, integer, list, oneOf, text } from '../params.js';
import { post } from '../route.js';

const direction = oneOf([1, 2]).optional();
/** The Go and Java SDKs send `targetIds=a,b`; `targetId` (repeated or comma-joined) is taken too. */
const targets = (max: number) => z.preprocess(
  (body) => (body && typeof body === 'object' && !('targetIds' in body) && 'targetId' in body ? { ...body, targetIds: body.targetId } : body),
  z.object({ userId: id, targetIds: list(id, { max, commaJoined: true }), directionType: direction }),
);
const userIds = list(id, { max: 100, commaJoined: true });

/** RongCloud's friend API (`/friend/*`, profile hosting), as the Go and Java SDKs call it. */
export function friendRoutes(app: FastifyInstance, friends: FriendService): void {
  const addBody = z.object({ userId: id, targetId: id, optType: oneOf([1, 2]).optional(), directionType: direction, extra: text(128).optional() });
  post(app, { path: '/friend/add', summary: 'Add a friend: directly (optType 2) or as the target\'s level allows (1, default)', body: addBody }, async (input, req) => {
    await friends.add(req.imApp, input.userId, input.targetId, input.optType ?? 1, input.directionType ?? 2);
    return {};
  });
  post(app, { path: '/friend/delete', summary: 'End friendships, one way or both (default)', body: targets(100) }, async (input, req) => {
    await friends.remove(req.imApp, input.userId, input.targetIds, input.directionType ?? 2);
    return {};
  });
  post(app, { path: '/friend/clean', summary: 'End every friendship of a user', body: z.object({ userId: id }) }, async (input, req) => {
    await friends.clean(req.imApp, input.userId);
    return {};
  });
  const getBody = z.object({ userId: id, pageToken: text(200).optional(), size: integer.pipe(z.number().min(1).max(100)).optional(), order: oneOf([0, 1]).optional() });
  post(app, { path: '/friend/get', summary: 'Page through a user\'s friends (order 0: oldest first, 1: newest first)', body: getBody }, async (input, req) => {
    const page = await friends.page(req.imApp, input.userId, input.pageToken ?? '', input.size ?? 50, input.order === 1);
    return {
      totalCount: page.totalCount,
      pageToken: page.pageToken,
      friendList: page.friends.map((f) => ({ userId: f.userId, name: f.name, remarkName: '', friendExtProfile: '', time: f.since })),
    };
  });
  post(app, { path: '/friend/check', summary: 'How a user and others count each other (1 both, 2 neither, 3 only the user, 4 only the other)', body: targets(20) }, async (input, req) => {
    return { results: await friends.check(req.imApp, input.userId, input.targetIds) };
  });
  post(app, { path: '/friend/permission/set', summary: 'Who may add these users (1 anyone, 2 with approval, 3 nobody)', body: z.object({ userIds, permissionType: oneOf([1, 2, 3]) }) }, async (input, req) => {
    await friends.setPermission(req.imApp, input.userIds, input.permissionType);
    return {};
  });
  post(app, { path: '/friend/permission/get', summary: 'Who may add these users', body: z.object({ userIds }) }, async (input, req) => {
    return { permissionSettings: await friends.permissionsOf(req.imApp, input.userIds) };
  });
}
