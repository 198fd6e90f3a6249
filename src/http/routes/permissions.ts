import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PermissionService } from '../../core/permissions.js';
import type { RelationKind } from '../../model/relations.js';
import { id, integer, list, oneOf, pageParam, requiredText, text } from '../params.js';
import { post } from '../route.js';
import { formatTime } from '../time-format.js';

const pageSize = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(1).max(1000)).optional();
const pageQuery = { pageToken: text(64).optional(), size: pageSize };

/** A word holds at least one letter, digit or CJK character (RongCloud refuses `-`). */
const word = requiredText(64).refine((w) => /[\p{L}\p{N}]/u.test(w), { message: 'must hold a letter or digit' });
const wordSpec = z.object({ word, replaceWord: text(64).optional(), type: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.union([z.literal(0), z.literal(1)])).optional() });

/** RongCloud: a replace word makes it a replacing word (type 0), none a blocking one (type 1). */
const toWordRow = (w: z.infer<typeof wordSpec>) => {
  const type = w.type ?? (w.replaceWord ? 0 : 1);
  return { word: w.word, replaceWord: type === 0 ? (w.replaceWord ?? '') : '', type } as const;
};

/** The three per-user lists share their wire shape: add/remove take `<param>[]`, query pages. */
function relationRoutes(app: FastifyInstance, permissions: PermissionService, path: string, kind: RelationKind, param: string) {
  const change = z.object({ userId: id, [param]: list(id, { max: 20 }) }) as unknown as z.ZodType<{ userId: string } & Record<string, string[]>>;
  const others = (input: Record<string, unknown>) => input[param] as string[];
  post(app, { path: `${path}/add`, summary: `Add to a user's ${kind} list`, body: change }, async (input, req) => {
    await permissions.addRelations(req.imApp, kind, input.userId, others(input));
    return {};
  });
  post(app, { path: `${path}/remove`, summary: `Remove from a user's ${kind} list`, body: change }, async (input, req) => {
    await permissions.removeRelations(req.imApp, kind, input.userId, others(input));
    return {};
  });
  post(app, { path: `${path}/query`, summary: `Page through a user's ${kind} list`, body: z.object({ userId: id, ...pageQuery }) }, async (input, req) => {
    const size = input.size ?? 1000;
    const users = await permissions.listRelations(req.imApp, kind, input.userId, input.pageToken ?? '', size);
    return { users, ...(users.length === size && { next: users[users.length - 1] }) };
  });
}

/** docs/server-api.md "Permissions": blocklist, allowlist, bans, sensitive words, mute, friends. */
export function permissionRoutes(app: FastifyInstance, permissions: PermissionService): void {
  relationRoutes(app, permissions, '/user/blacklist', 'block', 'blackUserId');
  relationRoutes(app, permissions, '/user/whitelist', 'allow', 'whiteUserId');

  post(app, { path: '/user/block', summary: 'Ban users for some minutes', body: z.object({ userId: list(id, { max: 20, commaJoined: true }), minute: integer.pipe(z.number().min(1).max(43_200)) }) }, async (input, req) => {
    await permissions.ban(req.imApp, input.userId, input.minute);
    return {};
  });
  post(app, { path: '/user/unblock', summary: 'Lift bans', body: z.object({ userId: list(id, { max: 20, commaJoined: true }) }) }, async (input, req) => {
    await permissions.unban(req.imApp, input.userId);
    return {};
  });
  post(app, { path: '/user/block/query', summary: 'List running bans', body: z.object({ page: integer.pipe(z.number().min(1)).optional(), size: pageSize }) }, async (input, req) => {
    const size = input.size ?? 50;
    const bans = await permissions.listBans(req.imApp, ((input.page ?? 1) - 1) * size, size);
    return { users: bans.map((b) => ({ userId: b.userId, blockEndTime: formatTime(b.endsAt) })) };
  });

  // One-to-one mutes (`/user/chat/fb/*`): RongCloud supports only type PERSON (one-to-one chat).
  const person = z.literal('PERSON', { message: 'only PERSON (one-to-one chat) is supported' });
  const fbSet = z.object({ userId: list(id, { max: 1000, commaJoined: true }), state: oneOf([0, 1]), type: person });
  post(app, { path: '/user/chat/fb/set', summary: 'Mute users in every one-to-one conversation (state 1) or lift it (0)', body: fbSet }, async (input, req) => {
    await permissions.setPrivateMute(req.imApp, input.userId, input.state === 1);
    return {};
  });
  const fbList = z.object({ num: pageParam(200), offset: integer.pipe(z.number().min(0)).optional(), type: person });
  post(app, { path: '/user/chat/fb/querylist', summary: 'List the users muted in one-to-one chat', body: fbList }, async (input, req) => {
    const { total, userIds } = await permissions.listPrivateMutes(req.imApp, input.offset ?? 0, input.num || 100);
    return { total, users: userIds };
  });

  post(app, { path: '/sensitiveword/add', summary: 'Add a sensitive word', body: wordSpec }, async (input, req) => {
    await permissions.addWords(req.imApp, [toWordRow(input)]);
    return {};
  });
  post(app, { path: '/sensitiveword/batch/add', summary: 'Add sensitive words (JSON)', body: z.object({ words: z.array(wordSpec).min(1).max(50) }) }, async (input, req) => {
    await permissions.addWords(req.imApp, input.words.map(toWordRow));
    return {};
  });
  post(app, { path: '/sensitiveword/delete', summary: 'Remove a sensitive word', body: z.object({ word: requiredText(64) }) }, async (input, req) => {
    await permissions.removeWords(req.imApp, [input.word]);
    return {};
  });
  // The cap counts the words as sent, repeats included, as RongCloud does.
  post(app, { path: '/sensitiveword/batch/delete', summary: 'Remove up to 50 sensitive words', body: z.object({ words: list(requiredText(64), { max: 50 }) }) }, async (input, req) => {
    await permissions.removeWords(req.imApp, input.words);
    return {};
  });
  // type 0 replacing, 1 blocking, 2 or none: all (the Node SDK sends 2 by default).
  const listType = z.preprocess((v) => (typeof v === 'string' && v !== '' ? Number(v) : v === '' ? undefined : v), z.union([z.literal(0), z.literal(1), z.literal(2)])).optional();
  post(app, { path: '/sensitiveword/list', summary: 'List sensitive words', body: z.object({ type: listType }) }, async (input, req) => {
    const words = await permissions.listWords(req.imApp, input.type === 2 ? undefined : input.type);
    return { words: words.map((w) => ({ type: String(w.type), word: w.word, replaceWord: w.replaceWord })) };
  });

  const conversation = { conversationType: integer.pipe(z.number().int().min(1).max(12)), requestId: id, targetId: id, busChannel: text(20).optional() };
  post(app, { path: '/conversation/notification/set', summary: 'Mute or unmute push for a conversation', body: z.object({ ...conversation, isMuted: integer.pipe(z.number().min(0).max(1)).optional(), unpushLevel: integer.pipe(z.number().min(-1).max(5)).optional() }) }, async (input, req) => {
    // isMuted=1 is "no notification" (unpushLevel 5); isMuted=0 clears the setting.
    const unpushLevel = input.unpushLevel ?? (input.isMuted === 1 ? 5 : 0);
    await permissions.setMute(req.imApp, input.requestId, { conversationType: input.conversationType, targetId: input.targetId, busChannel: input.busChannel ?? '', unpushLevel });
    return {};
  });
  post(app, { path: '/conversation/notification/get', summary: 'Read a conversation\'s push mute', body: z.object(conversation) }, async (input, req) => {
    const unpushLevel = await permissions.getMute(req.imApp, input.requestId, input.conversationType, input.targetId, input.busChannel ?? '');
    return { isMuted: unpushLevel === 0 || unpushLevel === -1 ? 0 : 1, unpushLevel };
  });
  const typeLevel = { conversationType: conversation.conversationType, requestId: id };
  post(app, { path: '/conversation/type/notification/set', summary: 'Mute push for a conversation type', body: z.object({ ...typeLevel, unpushLevel: integer.pipe(z.number().min(-1).max(5)) }) }, async (input, req) => {
    await permissions.setMute(req.imApp, input.requestId, { conversationType: input.conversationType, targetId: '', busChannel: '', unpushLevel: input.unpushLevel });
    return {};
  });
  post(app, { path: '/conversation/type/notification/get', summary: 'Read a conversation type\'s push mute', body: z.object(typeLevel) }, async (input, req) => {
    return { unpushLevel: await permissions.getMute(req.imApp, input.requestId, input.conversationType, '', '') };
  });
}
