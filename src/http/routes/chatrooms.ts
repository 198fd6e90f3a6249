import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ChatroomService, EntryInput } from '../../core/chatrooms.js';
import { flag, id, integer, list, requiredText, text } from '../params.js';
import { post } from '../route.js';
import { formatTime } from '../time-format.js';
import { chatroomModerationRoutes } from './chatroom-moderation.js';

const roomName = text(256);
const roomKey = /^chatroom\[(.+)\]$/;

/** `chatroom[<id>]=<name>` keys (docs/server-api.md); other keys are ignored. At least one room. */
const createBody = z.record(z.string(), z.unknown()).transform((body, ctx) => {
  const rooms: Array<{ roomId: string; name: string }> = [];
  for (const [key, value] of Object.entries(body)) {
    const roomId = roomKey.exec(key)?.[1];
    if (roomId === undefined) continue;
    const parsedId = id.safeParse(roomId);
    const parsedName = roomName.safeParse(value);
    if (!parsedId.success || !parsedName.success) {
      ctx.addIssue({ code: 'custom', path: [key], message: parsedId.success ? 'bad chatroom name' : 'bad chatroom id' });
      return z.NEVER;
    }
    rooms.push({ roomId: parsedId.data, name: parsedName.data });
  }
  if (rooms.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['chatroom'], message: 'required: chatroom[<id>]=<name>' });
    return z.NEVER;
  }
  if (rooms.length > 1000) {
    ctx.addIssue({ code: 'custom', path: ['chatroom'], message: 'more than 1000 rooms' });
    return z.NEVER;
  }
  return rooms;
});

export const entryKey = requiredText(128).refine((key) => /^[A-Za-z0-9+=_-]+$/.test(key), { message: 'may hold only letters, digits and + = - _' });
const entryValue = requiredText(4 * 4096).refine((value) => [...value].length <= 4096, { message: 'longer than 4096 characters' });
const destroyType = integer.pipe(z.number().min(0).max(1));
const destroyTime = integer.pipe(z.number().min(0).max(10_000_000));
const objectName = requiredText(32);
const noticeContent = text(128 * 1024);

/** `entryInfo`: a JSON object text of at most 20 string-valued keys. */
export const entryInfo = text(200 * 1024).transform((raw, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
    return z.NEVER;
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length > 20) {
    ctx.addIssue({ code: 'custom', message: 'more than 20 keys' });
    return z.NEVER;
  }
  const pairs: Array<{ key: string; value: string }> = [];
  for (const [key, value] of entries) {
    const k = entryKey.safeParse(key);
    const v = entryValue.safeParse(typeof value === 'string' ? value : JSON.stringify(value));
    if (!k.success || !v.success) {
      ctx.addIssue({ code: 'custom', message: `bad key or value: ${key.slice(0, 128)}` });
      return z.NEVER;
    }
    pairs.push({ key: k.data, value: v.data });
  }
  return pairs;
});

/** docs/server-api.md "Chatrooms" (rooms and who is in them) and §13 (attributes). */
export function chatroomRoutes(app: FastifyInstance, chatrooms: ChatroomService): void {
  post(app, { path: '/chatroom/create', summary: 'Create chatrooms (chatroom[<id>]=<name>)', body: createBody }, async (input, req) => {
    await chatrooms.create(req.imApp, input);
    return {};
  });
  const createNewBody = z.object({
    chatroomId: id,
    destroyType: destroyType.optional(),
    destroyTime: destroyTime.optional(),
    isBan: flag.optional(),
    whiteUserIds: list(id, { max: 20, commaJoined: true }).optional(),
    entryOwnerId: id.optional(),
    entryInfo: entryInfo.optional(),
  }).refine((b) => !b.entryInfo?.length || b.entryOwnerId !== undefined, { path: ['entryOwnerId'], message: 'required with entryInfo' });
  post(app, { path: '/chatroom/create_new', summary: 'Create a chatroom with its settings', body: createNewBody }, async (input, req) => {
    await chatrooms.createWith(
      req.imApp,
      { roomId: input.chatroomId, name: input.chatroomId, destroyType: input.destroyType, destroyTime: input.destroyTime },
      {
        muted: input.isBan ?? false,
        muteWhitelist: input.whiteUserIds ?? [],
        entryOwnerId: input.entryOwnerId,
        entries: (input.entryInfo ?? []).map((e) => ({ ...e, autoDelete: false })),
      },
    );
    return {};
  });
  post(app, { path: '/chatroom/destroy', summary: 'Destroy chatrooms, removing everyone in them', body: z.object({ chatroomId: list(id, { max: 1000, commaJoined: true }) }) }, async (input, req) => {
    await chatrooms.destroy(req.imApp, input.chatroomId);
    return {};
  });
  post(app, { path: '/chatroom/destroy/set', summary: 'Set how a chatroom is destroyed', body: z.object({ chatroomId: id, destroyType, destroyTime: destroyTime.optional() }) }, async (input, req) => {
    await chatrooms.setDestroy(req.imApp, input.chatroomId, input.destroyType, input.destroyTime ?? 0);
    return {};
  });
  post(app, { path: '/chatroom/get', summary: 'Read a chatroom', body: z.object({ chatroomId: id }) }, async (input, req) => {
    const room = await chatrooms.get(req.imApp, input.chatroomId);
    return {
      chatroomId: room.roomId,
      createTime: room.createdAt,
      memberCount: room.memberCount,
      destroyType: room.destroyType,
      destroyTime: room.destroyTime,
      ban: room.muted,
    };
  });
  post(app, { path: '/chatroom/query', summary: 'Read chatrooms (unknown ids are left out)', body: z.object({ chatroomId: list(id, { max: 1000, commaJoined: true }) }) }, async (input, req) => {
    const rooms = await chatrooms.query(req.imApp, input.chatroomId);
    return { chatRooms: rooms.map((r) => ({ chrmId: r.roomId, name: r.name, time: formatTime(r.createdAt) })) };
  });

  const userQueryBody = z.object({
    chatroomId: id,
    count: integer.pipe(z.number().min(1).max(500)).optional(),
    order: integer.pipe(z.number().min(1).max(2)).optional(),
  });
  post(app, { path: '/chatroom/user/query', summary: 'List users in a chatroom now', body: userQueryBody }, async (input, req) => {
    const result = await chatrooms.users(req.imApp, input.chatroomId, input.count ?? 500, (input.order ?? 1) === 1);
    return { total: result.total, users: result.users.map((u) => ({ id: u.userId, time: formatTime(u.joinedAt) })) };
  });
  post(app, { path: '/chatroom/users/exist', summary: 'Which users are in a chatroom now', body: z.object({ chatroomId: id, userId: list(id, { max: 1000, commaJoined: true }) }) }, async (input, req) => {
    const present = await chatrooms.present(req.imApp, input.chatroomId, input.userId);
    return { result: input.userId.map((userId) => ({ userId, isInChrm: present.has(userId) ? 1 : 0 })) };
  });
  post(app, { path: '/chatroom/user/exist', summary: 'Whether a user is in a chatroom now', body: z.object({ chatroomId: id, userId: id }) }, async (input, req) => {
    const present = await chatrooms.present(req.imApp, input.chatroomId, [input.userId]);
    return { isInChrm: present.has(input.userId) };
  });

  entryRoutes(app, chatrooms);
  chatroomModerationRoutes(app, chatrooms);
}

/** docs/server-api.md "Chatrooms": chatroom attributes. */
function entryRoutes(app: FastifyInstance, chatrooms: ChatroomService): void {
  const notice = { objectName: objectName.optional(), content: noticeContent.optional() };
  const setBody = z.object({ chatroomId: id, userId: id, key: entryKey, value: entryValue, autoDelete: flag.optional(), ...notice });
  post(app, { path: '/chatroom/entry/set', summary: 'Set a chatroom attribute', body: setBody }, async (input, req) => {
    const entry: EntryInput = { key: input.key, value: input.value, autoDelete: input.autoDelete ?? false };
    await chatrooms.setEntry(req.imApp, input.chatroomId, input.userId, entry, { objectName: input.objectName, content: input.content });
    return {};
  });
  const batchBody = z.object({ chatroomId: id, entryOwnerId: id, autoDelete: flag.optional(), entryInfo });
  post(app, { path: '/chatroom/entry/batch/set', summary: 'Set up to 20 chatroom attributes', body: batchBody }, async (input, req) => {
    const entries = input.entryInfo.map((e): EntryInput => ({ ...e, autoDelete: input.autoDelete ?? false }));
    await chatrooms.setEntries(req.imApp, input.chatroomId, input.entryOwnerId, entries, true);
    return {};
  });
  post(app, { path: '/chatroom/entry/remove', summary: 'Remove a chatroom attribute', body: z.object({ chatroomId: id, userId: id, key: entryKey, ...notice }) }, async (input, req) => {
    await chatrooms.removeEntry(req.imApp, input.chatroomId, input.userId, input.key, { objectName: input.objectName, content: input.content });
    return {};
  });
  const queryBody = z.object({ chatroomId: id, keys: list(entryKey, { max: 100, commaJoined: false }).optional() });
  post(app, { path: '/chatroom/entry/query', summary: 'Read chatroom attributes (all, or the keys given)', body: queryBody }, async (input, req) => {
    const entries = await chatrooms.entries(req.imApp, input.chatroomId, input.keys);
    return {
      keys: entries.map((e) => ({ key: e.key, value: e.value, userId: e.userId, autoDelete: e.autoDelete ? '1' : '0', lastSetTime: formatTime(e.setAt) })),
    };
  });
}
