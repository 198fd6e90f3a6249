import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { UltraGroupService } from '../../core/ultragroups.js';
import type { UltraGroupMessageRow, UltraGroupUserList } from '../../model/ultragroup.js';
import { busChannel, flag, id, integer, jsonText, list, requiredText } from '../params.js';
import { post } from '../route.js';
import { formatTime } from '../time-format.js';

/** Ultra group history queries span at most this long (RongCloud: 14 days). */
const maxHistorySpanMs = 14 * 24 * 60 * 60 * 1000;

const alphanumeric = (value: string) => /^[A-Za-z0-9]*$/.test(value);
/** busChannel: ≤ 20 letters and digits (SERVER-API.md §6); '' or `RCDefault` is the default channel. */
const channel = busChannel;
const namedChannel = requiredText(20).refine(alphanumeric, { message: 'may hold only letters and digits' });
/** An optional id that some SDKs send as ''. */
const optionalId = z.preprocess((v) => (v === '' ? undefined : v), id.optional());
const positive = (max: number) => integer.pipe(z.number().min(1).max(max)).optional();
const channelType = integer.pipe(z.union([z.literal(0), z.literal(1)]));
const userIds = list(id, { max: 20, commaJoined: true });

const groupOnly = z.object({ groupId: id });
const channelTarget = z.object({ groupId: id, busChannel: namedChannel });
const scopedUsers = z.object({ groupId: id, userIds, busChannel: channel.optional() });
const scopedPage = z.object({ groupId: id, busChannel: channel.optional(), page: positive(1_000_000), pageSize: positive(1000) });

const historyQuery = z
  .object({
    groupId: id,
    busChannel: channel.optional(),
    startTime: integer.pipe(z.number().min(0)),
    endTime: integer.pipe(z.number().min(0)),
    fromUserId: optionalId,
    pageSize: positive(100),
  })
  .refine((q) => q.startTime < q.endTime, { message: 'must be before endTime', path: ['startTime'] })
  .refine((q) => q.endTime - q.startTime <= maxHistorySpanMs, { message: 'more than 14 days after startTime', path: ['endTime'] });

/** `msgs` arrives as a JSON string (form) or, in a JSON body, as the array itself. */
const messageRefs = jsonText(
  z.array(z.object({ msgUID: requiredText(64), busChannel: channel.optional() })).min(1, { message: 'required' }).max(20, { message: 'more than 20 items' }),
);

const neighbours = integer.pipe(z.number().min(0).max(50)).default(10);
const aroundQuery = z.object({ groupId: id, busChannel: channel.optional(), msgUID: requiredText(64), prevNum: neighbours, lastNum: neighbours });

const pageWindow = (page: number | undefined, size: number) => ({ offset: ((page ?? 1) - 1) * size, limit: size });
const asIds = (users: readonly string[]) => users.map((userId) => ({ id: userId }));

/** SERVER-API.md §17.1 (ultra groups, v1 form endpoints) and the ultra group rows of §11. */
export function ultraGroupRoutes(app: FastifyInstance, ultraGroups: UltraGroupService): void {
  post(app, { path: '/ultragroup/create', summary: 'Create an ultra group with its first member', body: z.object({ userId: id, groupId: id, groupName: requiredText(256) }) }, async (input, req) => {
    await ultraGroups.create(req.imApp, input.groupId, input.groupName, input.userId);
    return {};
  });
  post(app, { path: '/ultragroup/dis', summary: 'Dismiss an ultra group', body: groupOnly }, async (input, req) => {
    await ultraGroups.dismiss(req.imApp, input.groupId);
    return {};
  });
  const membership = z.object({ userId: id, groupId: id });
  post(app, { path: '/ultragroup/join', summary: 'Add a user to an ultra group', body: membership }, async (input, req) => {
    await ultraGroups.join(req.imApp, input.groupId, input.userId);
    return {};
  });
  post(app, { path: '/ultragroup/quit', summary: 'Remove a user from an ultra group', body: membership }, async (input, req) => {
    await ultraGroups.quit(req.imApp, input.groupId, input.userId);
    return {};
  });
  post(app, { path: '/ultragroup/refresh', summary: 'Rename an ultra group', body: z.object({ groupId: id, groupName: requiredText(256) }) }, async (input, req) => {
    await ultraGroups.rename(req.imApp, input.groupId, input.groupName);
    return {};
  });
  post(app, { path: '/ultragroup/member/exist', summary: 'Whether a user is a member of an ultra group', body: membership }, async (input, req) => {
    return { status: await ultraGroups.isMember(req.imApp, input.groupId, input.userId) };
  });

  channelRoutes(app, ultraGroups);
  muteRoutes(app, ultraGroups);
  historyRoutes(app, ultraGroups);
}

function channelRoutes(app: FastifyInstance, ultraGroups: UltraGroupService): void {
  post(app, { path: '/ultragroup/channel/create', summary: 'Create a channel (type 0 public, 1 private)', body: channelTarget.extend({ type: channelType.optional() }) }, async (input, req) => {
    await ultraGroups.createChannel(req.imApp, input.groupId, input.busChannel, input.type === 1);
    return {};
  });
  post(app, { path: '/ultragroup/channel/del', summary: 'Delete a channel', body: channelTarget }, async (input, req) => {
    await ultraGroups.deleteChannel(req.imApp, input.groupId, input.busChannel);
    return {};
  });
  post(app, { path: '/ultragroup/channel/get', summary: 'Page through the channels of an ultra group', body: z.object({ groupId: id, page: positive(1_000_000), limit: positive(100) }) }, async (input, req) => {
    const { offset, limit } = pageWindow(input.page, input.limit ?? 20);
    const channels = await ultraGroups.listChannels(req.imApp, input.groupId, offset, limit);
    return { channelList: channels.map((c) => ({ channelId: c.busChannel, type: c.private ? 1 : 0, createTime: formatTime(c.createdAt) })) };
  });
  post(app, { path: '/ultragroup/channel/type/change', summary: 'Make a channel public (0) or private (1)', body: channelTarget.extend({ type: channelType }) }, async (input, req) => {
    await ultraGroups.setChannelType(req.imApp, input.groupId, input.busChannel, input.type === 1);
    return {};
  });
  const channelUsers = channelTarget.extend({ userIds: list(id, { max: 100, commaJoined: true }) });
  post(app, { path: '/ultragroup/channel/private/users/add', summary: 'Add users to a private channel', body: channelUsers }, async (input, req) => {
    await ultraGroups.addChannelUsers(req.imApp, input.groupId, input.busChannel, input.userIds);
    return {};
  });
  post(app, { path: '/ultragroup/channel/private/users/del', summary: 'Remove users from a private channel', body: channelUsers }, async (input, req) => {
    await ultraGroups.removeChannelUsers(req.imApp, input.groupId, input.busChannel, input.userIds);
    return {};
  });
  post(app, { path: '/ultragroup/channel/private/users/get', summary: 'Page through the users of a private channel', body: channelTarget.extend({ page: positive(1_000_000), pageSize: positive(1000) }) }, async (input, req) => {
    const { offset, limit } = pageWindow(input.page, input.pageSize ?? 100);
    return { users: await ultraGroups.listChannelUsers(req.imApp, input.groupId, input.busChannel, offset, limit) };
  });
}

/** User mutes, whole-scope mutes and the mute whitelist; without busChannel the scope is the whole group. */
function muteRoutes(app: FastifyInstance, ultraGroups: UltraGroupService): void {
  const listRoutes = (path: string, kind: UltraGroupUserList, what: string) => {
    post(app, { path: `${path}/add`, summary: `Add users to the ${what}`, body: scopedUsers }, async (input, req) => {
      await ultraGroups.addToList(req.imApp, input.groupId, input.busChannel ?? '', kind, input.userIds);
      return {};
    });
    post(app, { path: `${path}/del`, summary: `Remove users from the ${what}`, body: scopedUsers }, async (input, req) => {
      await ultraGroups.removeFromList(req.imApp, input.groupId, input.busChannel ?? '', kind, input.userIds);
      return {};
    });
    post(app, { path: `${path}/get`, summary: `Page through the ${what}`, body: scopedPage }, async (input, req) => {
      const { offset, limit } = pageWindow(input.page, input.pageSize ?? 100);
      return { users: asIds(await ultraGroups.list(req.imApp, input.groupId, input.busChannel ?? '', kind, offset, limit)) };
    });
  };
  listRoutes('/ultragroup/userbanned', 'muted', 'muted users of an ultra group or channel');
  listRoutes('/ultragroup/banned/whitelist', 'allowed', 'mute whitelist of an ultra group or channel');

  const scope = z.object({ groupId: id, busChannel: channel.optional() });
  post(app, { path: '/ultragroup/globalbanned/set', summary: 'Mute or unmute a whole ultra group or channel', body: scope.extend({ status: flag }) }, async (input, req) => {
    await ultraGroups.setGlobalMute(req.imApp, input.groupId, input.busChannel ?? '', input.status);
    return {};
  });
  post(app, { path: '/ultragroup/globalbanned/get', summary: 'Whether a whole ultra group or channel is muted', body: scope }, async (input, req) => {
    return { status: await ultraGroups.isGloballyMuted(req.imApp, input.groupId, input.busChannel ?? '') };
  });
}

function historyRoutes(app: FastifyInstance, ultraGroups: UltraGroupService): void {
  post(app, { path: '/ultragroup/hismsg/query', summary: 'Messages of an ultra group channel in a time range (≤ 14 days)', body: historyQuery }, async (input, req) => {
    const rows = await ultraGroups.history(req.imApp, {
      groupId: input.groupId,
      busChannel: input.busChannel ?? '',
      startTime: input.startTime,
      endTime: input.endTime,
      fromUserId: input.fromUserId,
      pageSize: input.pageSize ?? 20,
    });
    return { data: rows.map((row) => historyItem(input.groupId, input.busChannel ?? row.busChannel, row)) };
  });

  post(app, { path: '/ultragroup/hismsg/msgid/query', summary: 'A message of an ultra group channel with the messages around it', body: aroundQuery }, async (input, req) => {
    const rows = await ultraGroups.around(req.imApp, { groupId: input.groupId, busChannel: input.busChannel ?? '', messageUId: input.msgUID, before: input.prevNum, after: input.lastNum });
    return { data: rows.map((row) => historyItem(input.groupId, input.busChannel ?? row.busChannel, row)) };
  });

  const getBody = z.object({ groupId: id, msgs: messageRefs, busChannel: channel.optional() });
  post(app, { path: '/ultragroup/msg/get', summary: 'Ultra group messages by msgUID', body: getBody }, async (input, req) => {
    const refs = input.msgs.map((m) => ({ messageUId: m.msgUID, busChannel: m.busChannel ?? input.busChannel }));
    const rows = await ultraGroups.messages(req.imApp, input.groupId, refs);
    const askedChannel = new Map(refs.map((ref) => [ref.messageUId, ref.busChannel]));
    const toItem = (row: UltraGroupMessageRow) => ({
      fromUserId: row.fromUserId,
      groupId: input.groupId,
      sentTime: row.sentTime,
      busChannel: askedChannel.get(row.messageUId) ?? row.busChannel,
      msgUID: row.messageUId,
      objectName: row.objectName,
      content: row.content,
      expansion: row.expansion,
      extraContent: row.extraContent,
    });
    return { data: rows.map(toItem) };
  });
}

/** One item of the hismsg answers; the channel is named back as the caller named it ('' or RCDefault for the default one). */
function historyItem(groupId: string, busChannel: string, row: UltraGroupMessageRow) {
  return {
    groupId,
    busChannel,
    fromUserId: row.fromUserId,
    msgUID: row.messageUId,
    msgTime: row.sentTime,
    objectName: row.objectName,
    conversionType: 10,
    content: row.content,
    expansion: row.expansion,
    extraContent: row.extraContent,
  };
}
