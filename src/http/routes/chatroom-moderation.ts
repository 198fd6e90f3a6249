import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ChatroomService } from '../../core/chatrooms.js';
import type { LimitKind, ObjectNameKind, RoomUserListKind } from '../../model/chatroom.js';
import { flag, id, integer, list, requiredText, text } from '../params.js';
import { post } from '../route.js';
import { formatTime } from '../time-format.js';

const userIds = list(id, { max: 20, commaJoined: true });
const minute = integer.pipe(z.number().min(1).max(43_200));
/** Accepted and not acted on: Parley sends no notice for gags, bans and blocks. */
const notify = { needNotify: flag.optional(), extra: text(4096).optional() };
const roomBody = z.object({ chatroomId: id, ...notify });
const objectNames = list(requiredText(32), { max: 20, commaJoined: true });
const page = integer.pipe(z.number().min(1)).optional();
const size = integer.pipe(z.number().min(1).max(1000)).optional();

const limitsBody = (limits: Array<{ userId: string; endsAt: number }>) => ({
  users: limits.map((l) => ({ userId: l.userId, time: formatTime(l.endsAt) })),
});

/** Gag (per room) and block (per room, kicks): add / rollback / list on `path`. */
function roomLimitRoutes(app: FastifyInstance, chatrooms: ChatroomService, path: string, kind: Exclude<LimitKind, 'ban'>) {
  post(app, { path: `${path}/add`, summary: `Chatroom ${kind}: add users for some minutes`, body: z.object({ chatroomId: id, userId: userIds, minute, ...notify }) }, async (input, req) => {
    if (kind === 'gag') await chatrooms.gag(req.imApp, input.chatroomId, input.userId, input.minute);
    else await chatrooms.block(req.imApp, input.chatroomId, input.userId, input.minute);
    return {};
  });
  post(app, { path: `${path}/rollback`, summary: `Chatroom ${kind}: lift for users`, body: z.object({ chatroomId: id, userId: userIds, ...notify }) }, async (input, req) => {
    await chatrooms.lift(req.imApp, kind, input.chatroomId, input.userId);
    return {};
  });
  post(app, { path: `${path}/list`, summary: `Chatroom ${kind}: list users`, body: z.object({ chatroomId: id }) }, async (input, req) => {
    return limitsBody(await chatrooms.listLimits(req.imApp, kind, input.chatroomId));
  });
}

/** A per-room user list: add / `removeVerb` / query answering `{[answerKey]: ids}`. */
function roomListRoutes(app: FastifyInstance, chatrooms: ChatroomService, path: string, kind: RoomUserListKind, removeVerb: string, answerKey: string) {
  const change = z.object({ chatroomId: id, userId: userIds });
  post(app, { path: `${path}/add`, summary: `Chatroom ${kind}: add users`, body: change }, async (input, req) => {
    await chatrooms.addUsers(req.imApp, kind, input.chatroomId, input.userId);
    return {};
  });
  post(app, { path: `${path}/${removeVerb}`, summary: `Chatroom ${kind}: remove users`, body: change }, async (input, req) => {
    await chatrooms.removeUsers(req.imApp, kind, input.chatroomId, input.userId);
    return {};
  });
  post(app, { path: `${path}/query`, summary: `Chatroom ${kind}: list users`, body: z.object({ chatroomId: id }) }, async (input, req) => {
    return { [answerKey]: await chatrooms.listUsers(req.imApp, kind, input.chatroomId) };
  });
}

/** A per-app objectName list: add / `removeVerb` / query, with the SDK's param and answer names. */
function objectNameRoutes(app: FastifyInstance, chatrooms: ChatroomService, path: string, kind: ObjectNameKind, param: string, removeVerb: string, answerKey: string) {
  const change = z.object({ [param]: objectNames }) as unknown as z.ZodType<Record<string, string[]>>;
  post(app, { path: `${path}/add`, summary: `Chatroom message ${kind}: add objectNames`, body: change }, async (input, req) => {
    await chatrooms.addObjectNames(req.imApp, kind, input[param] ?? []);
    return {};
  });
  post(app, { path: `${path}/${removeVerb}`, summary: `Chatroom message ${kind}: remove objectNames`, body: change }, async (input, req) => {
    await chatrooms.removeObjectNames(req.imApp, kind, input[param] ?? []);
    return {};
  });
  post(app, { path: `${path}/query`, summary: `Chatroom message ${kind}: list objectNames`, body: z.object({}) }, async (_input, req) => {
    return { [answerKey]: await chatrooms.listObjectNames(req.imApp, kind) };
  });
}

/** SERVER-API.md §16: gags, bans, blocks, mutes, whitelists, priorities, distribution, keep-alive. */
export function chatroomModerationRoutes(app: FastifyInstance, chatrooms: ChatroomService): void {
  roomLimitRoutes(app, chatrooms, '/chatroom/user/gag', 'gag');
  roomLimitRoutes(app, chatrooms, '/chatroom/user/block', 'block');

  // App-wide chatroom ban: no chatroomId.
  post(app, { path: '/chatroom/user/ban/add', summary: 'Ban users from speaking in every chatroom', body: z.object({ userId: userIds, minute, ...notify }) }, async (input, req) => {
    await chatrooms.ban(req.imApp, input.userId, input.minute);
    return {};
  });
  post(app, { path: '/chatroom/user/ban/remove', summary: 'Lift app-wide chatroom bans', body: z.object({ userId: userIds, ...notify }) }, async (input, req) => {
    await chatrooms.lift(req.imApp, 'ban', '', input.userId);
    return {};
  });
  post(app, { path: '/chatroom/user/ban/query', summary: 'List app-wide chatroom bans', body: z.object({}) }, async (_input, req) => {
    return limitsBody(await chatrooms.listLimits(req.imApp, 'ban', ''));
  });

  // Whole-room mute.
  post(app, { path: '/chatroom/ban/add', summary: 'Mute a whole chatroom', body: roomBody }, async (input, req) => {
    await chatrooms.setFlag(req.imApp, input.chatroomId, 'muted', true);
    return {};
  });
  post(app, { path: '/chatroom/ban/rollback', summary: 'Unmute a whole chatroom', body: roomBody }, async (input, req) => {
    await chatrooms.setFlag(req.imApp, input.chatroomId, 'muted', false);
    return {};
  });
  post(app, { path: '/chatroom/ban/check', summary: 'Whether a chatroom is muted', body: z.object({ chatroomId: id }) }, async (input, req) => {
    return { status: (await chatrooms.get(req.imApp, input.chatroomId)).muted ? 1 : 0 };
  });
  post(app, { path: '/chatroom/ban/query', summary: 'List muted chatrooms', body: z.object({ page, size }) }, async (input, req) => {
    const pageSize = input.size ?? 50;
    return { chatroomIds: await chatrooms.listFlagged(req.imApp, 'muted', ((input.page ?? 1) - 1) * pageSize, pageSize) };
  });

  roomListRoutes(app, chatrooms, '/chatroom/user/ban/whitelist', 'mute_whitelist', 'rollback', 'userIds');
  roomListRoutes(app, chatrooms, '/chatroom/user/whitelist', 'whitelist', 'remove', 'users');

  objectNameRoutes(app, chatrooms, '/chatroom/message/priority', 'priority', 'objectName', 'remove', 'objectNames');
  objectNameRoutes(app, chatrooms, '/chatroom/whitelist', 'whitelist', 'objectnames', 'delete', 'whitlistMsgType');

  const roomOnly = z.object({ chatroomId: id });
  post(app, { path: '/chatroom/message/stopDistribution', summary: 'Stop delivering a chatroom\'s messages', body: roomOnly }, async (input, req) => {
    await chatrooms.setFlag(req.imApp, input.chatroomId, 'distributionStopped', true);
    return {};
  });
  post(app, { path: '/chatroom/message/resumeDistribution', summary: 'Resume delivering a chatroom\'s messages', body: roomOnly }, async (input, req) => {
    await chatrooms.setFlag(req.imApp, input.chatroomId, 'distributionStopped', false);
    return {};
  });

  post(app, { path: '/chatroom/keepalive/add', summary: 'Keep a chatroom alive', body: roomOnly }, async (input, req) => {
    await chatrooms.setFlag(req.imApp, input.chatroomId, 'keepAlive', true);
    return {};
  });
  post(app, { path: '/chatroom/keepalive/remove', summary: 'Stop keeping a chatroom alive', body: roomOnly }, async (input, req) => {
    await chatrooms.setFlag(req.imApp, input.chatroomId, 'keepAlive', false);
    return {};
  });
  post(app, { path: '/chatroom/keepalive/query', summary: 'List kept-alive chatrooms', body: z.object({}) }, async (_input, req) => {
    return { chatroomIds: await chatrooms.listFlagged(req.imApp, 'keepAlive') };
  });
}
