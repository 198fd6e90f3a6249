import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { UserService } from '../../core/users.js';
import { id, integer, jsonText, list, pageParam, text } from '../params.js';
import { post } from '../route.js';
import { formatTime } from '../time-format.js';

const name = text(256);
const portraitUri = text(1024);

export const getTokenBody = z.object({ userId: id, name: name.optional(), portraitUri: portraitUri.optional() });
export const refreshBody = z.object({ userId: id, name: name.optional(), portraitUri: portraitUri.optional() });
export const userIdBody = z.object({ userId: id });
export const checkOnlineBody = z.object({ userId: list(id, { max: 100, commaJoined: true }) });
export const expireTokenBody = z.object({ userId: list(id, { max: 20, commaJoined: true }), time: integer });

/**
 * `/user/remarks/set.json` `remarks`: a JSON array of `{id, remark}` (Java) or `{Id, Remark}`
 * (the Go SDK marshals its struct without tags), at most 100.
 */
const remark = z.preprocess((r) => {
  if (typeof r !== 'object' || r === null) return r;
  const fields = r as Record<string, unknown>;
  return { id: fields.id ?? fields.Id, remark: fields.remark ?? fields.Remark };
}, z.object({ id, remark: text(64) }));
const remarks = jsonText(z.array(remark).min(1).max(100));

/** docs/server-api.md "Users": registration, profile, tokens, online status, push remarks. */
export function userRoutes(app: FastifyInstance, users: UserService): void {
  post(app, { path: '/user/getToken', summary: 'Register a user and issue a token', body: getTokenBody }, async (input, req) => {
    const token = await users.getToken(req.imApp, {
      userId: input.userId,
      name: input.name ?? '',
      portraitUri: input.portraitUri ?? '',
    });
    return { userId: input.userId, token };
  });

  post(app, { path: '/user/refresh', summary: 'Update a user profile', body: refreshBody }, async (input, req) => {
    await users.refresh(req.imApp, input.userId, { name: input.name, portraitUri: input.portraitUri });
    return {};
  });

  post(app, { path: '/user/info', summary: 'Read a user profile', body: userIdBody }, async (input, req) => {
    const user = await users.info(req.imApp, input.userId);
    return { userName: user.name, userPortrait: user.portraitUri, createTime: formatTime(user.createdAt) };
  });

  post(app, { path: '/user/remarks/set', summary: 'Set the names a user sees for others in pushes', body: z.object({ userId: id, remarks }) }, async (input, req) => {
    await users.setRemarks(req.imApp, input.userId, input.remarks.map((r) => ({ targetId: r.id, remark: r.remark })));
    return {};
  });
  post(app, { path: '/user/remarks/del', summary: 'Delete a push remark', body: z.object({ userId: id, targetId: id }) }, async (input, req) => {
    await users.deleteRemark(req.imApp, input.userId, input.targetId);
    return {};
  });
  const remarksPage = z.object({ userId: id, page: pageParam(), size: pageParam(100) });
  post(app, { path: '/user/remarks/get', summary: 'Page through a user\'s push remarks', body: remarksPage }, async (input, req) => {
    const page = await users.remarks(req.imApp, input.userId, input.page || 1, input.size || 50);
    return { total: page.total, users: page.remarks.map((r) => ({ id: r.targetId, remark: r.remark })) };
  });

  post(app, { path: '/user/token/expire', summary: 'Invalidate tokens issued before a time', body: expireTokenBody }, async (input, req) => {
    await users.expireTokens(req.imApp, input.userId, input.time);
    return {};
  });

  post(app, { path: '/user/checkOnline', summary: 'Whether users have a session on any node', body: checkOnlineBody }, async (input, req) => {
    // Strings, not numbers: the Go SDK decodes `status` into a string (docs/server-api.md "Users").
    const online = await Promise.all(input.userId.map(async (userId) => ({ userId, status: (await users.isOnline(req.imApp, userId)) ? '1' : '0' })));
    // One user (what every SDK sends): RongCloud's `{status}`; several: one entry each.
    return online.length === 1 ? { status: online[0]!.status } : { result: online };
  });
}
