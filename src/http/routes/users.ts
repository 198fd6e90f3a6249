import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { UserService } from '../../core/users.js';
import { id, integer, list, text } from '../params.js';
import { post } from '../route.js';
import { formatTime } from '../time-format.js';

const name = text(256);
const portraitUri = text(1024);

export const getTokenBody = z.object({ userId: id, name: name.optional(), portraitUri: portraitUri.optional() });
export const refreshBody = z.object({ userId: id, name: name.optional(), portraitUri: portraitUri.optional() });
export const userIdBody = z.object({ userId: id });
export const expireTokenBody = z.object({ userId: list(id, { max: 20, commaJoined: true }), time: integer });

/** docs/server-api.md "Users": registration, profile, tokens, online status. */
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

  post(app, { path: '/user/token/expire', summary: 'Invalidate tokens issued before a time', body: expireTokenBody }, async (input, req) => {
    await users.expireTokens(req.imApp, input.userId, input.time);
    return {};
  });

  post(app, { path: '/user/checkOnline', summary: 'Whether a user has a session on any node', body: userIdBody }, async (input, req) => {
    // A string, not a number: the Go SDK decodes it into a string (docs/server-api.md "Users").
    return { status: (await users.isOnline(req.imApp, input.userId)) ? '1' : '0' };
  });
}
