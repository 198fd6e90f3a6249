import { z } from 'zod';
import { maxGagMinutes, type GroupService } from '../../core/groups.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deliverer } from '../../core/delivery/deliver.js';
import type { Send } from '../../core/delivery/send.js';
import { ParleyError } from '../../errors.js';
import { flag, id, integer, list, requiredText, text } from '../params.js';
import { post } from '../route.js';
import { formatTime } from '../time-format.js';

/**
 * Group names: RongCloud documents 64 characters (Java verifies 255); 256 bytes holds
 * 64 CJK characters.
 */
const groupName = text(256);
const members = list(id, { max: 1000, commaJoined: true });
/** RongCloud gags, unmutes and whitelists at most 20 users per call. */
const someUsers = list(id, { max: 20, commaJoined: true });
const someGroups = list(id, { max: 20, commaJoined: true });
const minute = integer.pipe(z.number().min(0).max(maxGagMinutes));
const page = integer.pipe(z.number().min(1)).optional();
const size = (max: number) => integer.pipe(z.number().min(1).max(max)).optional();

/**
 * `/group/sync` names each group in a key: `group[<groupId>]=<name>`. The form parser
 * keeps such keys verbatim; they are gathered into `groups` before validation.
 */
const syncBody = z.preprocess(
  (body) => {
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const groups = Object.entries(fields).flatMap(([key, name]) => {
      const match = /^group\[(.+)\]$/.exec(key);
      return match ? [{ groupId: match[1], name }] : [];
    });
    return { ...fields, groups };
  },
  // No group key at all is a malformed call, not "the user is in no group": it would empty the user's groups.
  z.object({
    userId: id,
    groups: z
      .array(z.object({ groupId: id, name: groupName }))
      .min(1, { message: 'needs at least one group[<groupId>]=<name> key' })
      .max(1000, { message: 'more than 1000 groups' }),
  }),
);

/**
 * The notify block of create/join/quit/dismiss (SERVER-API.md §15): with
 * `bindNotifyMsg`, the given message is also sent to the group, and the answer carries
 * its `messageUID` and the `memberCount`.
 */
const notifyBlock = {
  bindNotifyMsg: flag.optional(),
  fromUserId: id.optional(),
  objectName: requiredText(32).optional(),
  content: text(16 * 1024 * 1024).optional(),
  pushContent: text(1024).optional(),
  pushData: text(4096).optional(),
  isIncludeSender: flag.optional(),
  isPersisted: flag.optional(),
};
type NotifyBlock = { [K in keyof typeof notifyBlock]?: z.infer<(typeof notifyBlock)[K]> };

/** The group notice a call asks for: the system speaking in the group, not a member (not held to who may speak). */
function notice(req: FastifyRequest, input: NotifyBlock, groupId: string): Extract<Send, { kind: 'group' }> | undefined {
  if (!input.bindNotifyMsg) return undefined;
  if (!input.fromUserId || !input.objectName || input.content === undefined) {
    throw new ParleyError('badParameter', 'bindNotifyMsg needs fromUserId, objectName and content');
  }
  return {
    kind: 'group',
    app: req.imApp,
    origin: { kind: 'api', echo: Boolean(input.isIncludeSender) },
    fromUserId: input.fromUserId,
    groupIds: [groupId],
    objectName: input.objectName,
    content: { content: input.content, pushContent: input.pushContent, pushData: input.pushData },
    isPersisted: input.isPersisted,
    notice: true,
  };
}

/** docs/server-api.md "Groups": groups, member gags, whole-group mute and its whitelist. */
export function groupRoutes(app: FastifyInstance, groups: GroupService, delivery: Deliverer): void {
  /** Checks the notice before the change it announces, so bad input changes nothing. */
  const checked = async (req: FastifyRequest, input: NotifyBlock, groupId: string) => {
    const send = notice(req, input, groupId);
    if (send) await delivery.check(send);
    return send;
  };
  /** Sends the notice to whoever is in the group then. */
  const notify = async (send: ReturnType<typeof notice>, memberCount: number) => {
    if (!send) return {};
    const result = await delivery.deliver(send);
    return { messageUID: result.messageUIds[0]?.messageUId, memberCount };
  };
  post(app, { path: '/group/create', summary: 'Create a group (or rename an existing one) with members', body: z.object({ userId: members, groupId: id, groupName, ...notifyBlock }) }, async (input, req) => {
    const send = await checked(req, input, input.groupId);
    const count = await groups.create(req.imApp, input.groupId, input.groupName, input.userId);
    return notify(send, count);
  });
  post(app, { path: '/group/join', summary: 'Add members, creating the group if absent', body: z.object({ userId: members, groupId: id, groupName: groupName.optional(), ...notifyBlock }) }, async (input, req) => {
    const send = await checked(req, input, input.groupId);
    const count = await groups.join(req.imApp, input.groupId, input.userId, input.groupName);
    return notify(send, count);
  });
  post(app, { path: '/group/quit', summary: 'Remove members (the group stays)', body: z.object({ userId: members, groupId: id, ...notifyBlock }) }, async (input, req) => {
    // The members who leave still get the notice: it goes out before they are removed.
    const send = await checked(req, input, input.groupId);
    const before = send ? (await groups.listMembers(req.imApp, input.groupId)).length : 0;
    const answer = await notify(send, Math.max(0, before - input.userId.length));
    await groups.quit(req.imApp, input.groupId, input.userId);
    return answer;
  });
  post(app, { path: '/group/dismiss', summary: 'Remove a group with its members, gags and mute', body: z.object({ userId: id, groupId: id, ...notifyBlock }) }, async (input, req) => {
    const send = await checked(req, input, input.groupId);
    const answer = await notify(send, 0);
    await groups.dismiss(req.imApp, input.groupId);
    return answer;
  });
  post(app, { path: '/group/sync', summary: 'Replace a user\'s groups (`group[<id>]=<name>` keys)', body: syncBody }, async (input, req) => {
    await groups.sync(req.imApp, input.userId, input.groups);
    return {};
  });
  post(app, { path: '/group/refresh', summary: 'Rename a group', body: z.object({ groupId: id, groupName }) }, async (input, req) => {
    await groups.rename(req.imApp, input.groupId, input.groupName);
    return {};
  });
  post(app, { path: '/group/user/query', summary: 'List a group\'s members', body: z.object({ groupId: id }) }, async (input, req) => {
    const users = await groups.listMembers(req.imApp, input.groupId);
    return { users: users.map((userId) => ({ id: userId })) };
  });
  post(app, { path: '/user/group/query', summary: 'Page through a user\'s groups', body: z.object({ userId: id, page, size: size(1000) }) }, async (input, req) => {
    const pageSize = input.size ?? 50;
    const found = await groups.userGroups(req.imApp, input.userId, ((input.page ?? 1) - 1) * pageSize, pageSize);
    return { groups: found.map((g) => ({ id: g.groupId, name: g.name })) };
  });

  // Member gags (Group.Gag.* and Group.Mute.Member.* in the Node SDK).
  post(app, { path: '/group/user/gag/add', summary: 'Gag members for some minutes (0: 43200)', body: z.object({ groupId: id, userId: someUsers, minute }) }, async (input, req) => {
    await groups.gag(req.imApp, input.groupId, input.userId, input.minute);
    return {};
  });
  post(app, { path: '/group/user/gag/rollback', summary: 'Lift members\' gags', body: z.object({ groupId: id, userId: someUsers }) }, async (input, req) => {
    await groups.ungag(req.imApp, input.groupId, input.userId);
    return {};
  });
  post(app, { path: '/group/user/gag/list', summary: 'List running gags with their end time', body: z.object({ groupId: id }) }, async (input, req) => {
    const gags = await groups.listGags(req.imApp, input.groupId);
    return { users: gags.map((gag) => ({ userId: gag.userId, time: formatTime(gag.endsAt) })) };
  });

  // Whole-group mute (Group.Mute.All.*) and who may still speak (Group.Mute.Whitelist.*).
  post(app, { path: '/group/ban/add', summary: 'Mute whole groups', body: z.object({ groupId: someGroups }) }, async (input, req) => {
    await groups.setMuted(req.imApp, input.groupId, true);
    return {};
  });
  post(app, { path: '/group/ban/rollback', summary: 'Unmute whole groups', body: z.object({ groupId: someGroups }) }, async (input, req) => {
    await groups.setMuted(req.imApp, input.groupId, false);
    return {};
  });
  post(app, { path: '/group/ban/query', summary: 'Mute state of listed groups, or page through muted groups', body: z.object({ groupId: someGroups.optional(), page, size: size(200) }) }, async (input, req) => {
    if (input.groupId) {
      const states = await groups.muteStates(req.imApp, input.groupId);
      return { groupinfo: states.map((s) => ({ groupId: s.groupId, stat: s.muted ? '1' : '0' })) };
    }
    const pageSize = input.size ?? 50;
    const muted = await groups.mutedGroups(req.imApp, ((input.page ?? 1) - 1) * pageSize, pageSize);
    return { groupinfo: muted.map((groupId) => ({ groupId, stat: '1' })) };
  });
  post(app, { path: '/group/user/ban/whitelist/add', summary: 'Let members speak in a muted group', body: z.object({ groupId: id, userId: someUsers }) }, async (input, req) => {
    await groups.addToMuteWhitelist(req.imApp, input.groupId, input.userId);
    return {};
  });
  post(app, { path: '/group/user/ban/whitelist/rollback', summary: 'Take members off a group\'s mute whitelist', body: z.object({ groupId: id, userId: someUsers }) }, async (input, req) => {
    await groups.removeFromMuteWhitelist(req.imApp, input.groupId, input.userId);
    return {};
  });
  post(app, { path: '/group/user/ban/whitelist/query', summary: 'List a group\'s mute whitelist', body: z.object({ groupId: id }) }, async (input, req) => {
    return { userIds: await groups.muteWhitelist(req.imApp, input.groupId) };
  });
}
