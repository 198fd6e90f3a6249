import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Deliverer } from '../../core/delivery/deliver.js';
import type { UltraGroupService } from '../../core/ultragroups.js';
import type { UltraGroupUserList } from '../../model/ultragroup.js';
import { ParleyError } from '../../errors.js';
import { busChannel, flag, id, integer, list, requiredText, text } from '../params.js';
import { rest } from '../route.js';

/**
 * RongCloud's `/v2` ultra group REST family as the Go SDK calls it (docs/server-api.md "Ultra groups: the `/v2` REST family"):
 * JSON bodies with snake_case fields, path parameters, GET/PUT/DELETE, success code
 * 10000 and `data` for reads. The same service as the v1 form endpoints.
 */
const groupName = requiredText(256);
/** A named channel: 1–20 letters and digits. */
const channelId = requiredText(20).refine((c) => /^[A-Za-z0-9]+$/.test(c), { message: 'may hold only letters and digits' });
const userIds = list(id, { max: 20, commaJoined: true });
const page = integer.pipe(z.number().min(0)).optional();
const size = (max: number) => integer.pipe(z.number().min(0).max(max)).optional();
const window = (p: number | undefined, s: number | undefined, fallback: number) => {
  const limit = s || fallback;
  return { offset: ((p || 1) - 1) * limit, limit };
};

const sendBody = z.object({
  from_user_id: id,
  to_group_ids: list(id, { max: 3, commaJoined: true }),
  to_user_ids: list(id, { max: 1000, commaJoined: true }).optional(),
  object_name: requiredText(32),
  content: z.preprocess((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v), text(16 * 1024 * 1024)),
  push_content: text(1024).optional(),
  push_data: text(4096).optional(),
  include_sender_enable: flag.optional(),
  store_flag: flag.optional(),
  mentioned_flag: flag.optional(),
  silence_push: flag.optional(),
  push_ext: text(4096).optional(),
  bus_channel: busChannel.optional(),
});

export function ultraGroupV2Routes(app: FastifyInstance, ultraGroups: UltraGroupService, delivery: Deliverer): void {
  rest(app, { method: 'POST', path: '/v2/ultragroups', summary: 'Create an ultra group with its first member', body: z.object({ user_id: id, group_id: id, group_name: groupName }) }, async (input, req) => {
    await ultraGroups.create(req.imApp, input.group_id, input.group_name, input.user_id);
    return {};
  });
  rest(app, { method: 'DELETE', path: '/v2/ultragroups/:group_id', summary: 'Dismiss an ultra group', body: z.object({ group_id: id }) }, async (input, req) => {
    await ultraGroups.dismiss(req.imApp, input.group_id);
    return {};
  });
  rest(app, { method: 'PUT', path: '/v2/ultragroups/:group_id', summary: 'Rename an ultra group', body: z.object({ group_id: id, group_name: groupName }) }, async (input, req) => {
    await ultraGroups.rename(req.imApp, input.group_id, input.group_name);
    return {};
  });
  const membership = z.object({ group_id: id, user_id: id });
  rest(app, { method: 'POST', path: '/v2/ultragroups/:group_id/users/:user_id', summary: 'Add a user to an ultra group', body: membership }, async (input, req) => {
    await ultraGroups.join(req.imApp, input.group_id, input.user_id);
    return {};
  });
  rest(app, { method: 'DELETE', path: '/v2/ultragroups/:group_id/users/:user_id', summary: 'Remove a user from an ultra group', body: membership }, async (input, req) => {
    await ultraGroups.quit(req.imApp, input.group_id, input.user_id);
    return {};
  });
  rest(app, { method: 'GET', path: '/v2/ultragroups/users/:user_id/groups', summary: 'Page through a user\'s ultra groups', body: z.object({ user_id: id, page, size: size(100) }) }, async (input, req) => {
    const { offset, limit } = window(input.page, input.size, 20);
    const groups = await ultraGroups.groupsOf(req.imApp, input.user_id, offset, limit);
    return { data: { groups: groups.map((g) => ({ group_id: g.groupId, group_name: g.name })) } };
  });
  rest(app, { method: 'GET', path: '/v2/ultragroups/:group_id/users', summary: 'Page through an ultra group\'s members', body: z.object({ group_id: id, page, size: size(1000) }) }, async (input, req) => {
    const { offset, limit } = window(input.page, input.size, 100);
    return { data: { users: (await ultraGroups.listMembers(req.imApp, input.group_id, offset, limit)).map((userId) => ({ id: userId })) } };
  });

  // Muted users and the users allowed to speak while the group is muted: the whole group's lists.
  const lists: Array<[string, UltraGroupUserList, string]> = [['muted-users', 'muted', 'muted users'], ['allowed-users', 'allowed', 'users allowed to speak while muted']];
  for (const [segment, kind, what] of lists) {
    const path = `/v2/ultragroups/:group_id/${segment}`;
    const change = z.object({ group_id: id, user_ids: userIds });
    rest(app, { method: 'POST', path, summary: `Add ${what} of an ultra group`, body: change }, async (input, req) => {
      await ultraGroups.addToList(req.imApp, input.group_id, '', kind, input.user_ids);
      return {};
    });
    rest(app, { method: 'DELETE', path, summary: `Remove ${what} of an ultra group`, body: change }, async (input, req) => {
      await ultraGroups.removeFromList(req.imApp, input.group_id, '', kind, input.user_ids);
      return {};
    });
    rest(app, { method: 'GET', path, summary: `List the ${what} of an ultra group`, body: z.object({ group_id: id }) }, async (input, req) => {
      return { data: { users: (await ultraGroups.list(req.imApp, input.group_id, '', kind, 0, 1000)).map((userId) => ({ id: userId })) } };
    });
  }
  rest(app, { method: 'PUT', path: '/v2/ultragroups/:group_id/muted-status', summary: 'Mute or unmute a whole ultra group', body: z.object({ group_id: id, status: flag }) }, async (input, req) => {
    await ultraGroups.setGlobalMute(req.imApp, input.group_id, '', input.status);
    return {};
  });
  rest(app, { method: 'GET', path: '/v2/ultragroups/:group_id/muted-status', summary: 'Whether a whole ultra group is muted', body: z.object({ group_id: id }) }, async (input, req) => {
    return { data: { status: await ultraGroups.isGloballyMuted(req.imApp, input.group_id, '') } };
  });

  rest(app, { method: 'POST', path: '/v2/ultragroups/channels', summary: 'Create a public channel', body: z.object({ group_id: id, channel_id: channelId }) }, async (input, req) => {
    await ultraGroups.createChannel(req.imApp, input.group_id, input.channel_id, false);
    return {};
  });
  rest(app, { method: 'DELETE', path: '/v2/ultragroups/:group_id/channels/:channel_id', summary: 'Delete a channel', body: z.object({ group_id: id, channel_id: channelId }) }, async (input, req) => {
    await ultraGroups.deleteChannel(req.imApp, input.group_id, input.channel_id);
    return {};
  });
  rest(app, { method: 'GET', path: '/v2/ultragroups/:group_id/channels', summary: 'Page through an ultra group\'s channels', body: z.object({ group_id: id, page, limit: size(100) }) }, async (input, req) => {
    const { offset, limit } = window(input.page, input.limit, 20);
    const channels = await ultraGroups.listChannels(req.imApp, input.group_id, offset, limit);
    return { data: { channel_list: channels.map((c) => ({ channel_id: c.busChannel, type: c.private ? 1 : 0, create_time: c.createdAt })) } };
  });

  rest(app, { method: 'POST', path: '/v2/message/ultragroup/send', summary: 'Send to up to 3 ultra groups (snake_case JSON)', body: sendBody }, async (input, req) => {
    if (input.to_user_ids && input.to_group_ids.length !== 1) throw new ParleyError('badParameter', 'to_user_ids: targeted messages need exactly one to_group_ids');
    const result = await delivery.deliver({
      kind: 'ultraGroup',
      app: req.imApp,
      // The sender's other devices always get ultra group messages (include_sender_enable has nothing to add).
      origin: { kind: 'api', echo: false },
      fromUserId: input.from_user_id,
      groupIds: input.to_group_ids,
      toUserIds: input.to_user_ids,
      busChannel: input.bus_channel ?? '',
      objectName: input.object_name,
      content: { content: input.content, pushContent: input.push_content, pushData: input.push_data },
      isPersisted: input.store_flag,
    });
    return { data: { message_uids: result.messageUIds.map((m) => ({ group_id: m.targetId, message_uid: m.messageUId })) } };
  });
}
