import { ParleyError } from '../errors.js';
import type { UltraGroupChannelRow, UltraGroupStore } from '../store/ultragroups.js';
import type { UltraGroupMessageRow, UltraGroupUserList } from '../model/ultragroup.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import type { UltraGroupRules } from './conversation-rules.js';
import { retentionCutoff } from './history-policy.js';
import type { CacheNews } from './cache-news.js';
import { cacheKey, NodeCache } from './cache.js';
import { conversationTypes } from '../model/message.js';

/** Audiences of this many channels are kept per node, each at most 5 s (other nodes' changes arrive sooner, as news). */
const audienceCacheOptions = { ttlMs: 5_000, max: 10_000 };

/** The wire name of the default channel (apps provisioned after 2022-10-13); the same as ''. */
export const defaultChannelAlias = 'RCDefault';

/** '' for the default channel, whichever way it was named. */
export const normalizeChannel = (busChannel: string): string => (busChannel === defaultChannelAlias ? '' : busChannel);

export interface UltraGroupHistoryQuery {
  groupId: string;
  busChannel: string;
  /** Exclusive, epoch ms. */
  startTime: number;
  /** Inclusive, epoch ms. */
  endTime: number;
  fromUserId?: string;
  pageSize: number;
}

/**
 * Ultra groups (docs/server-api.md "Ultra groups"): membership, channels (public, or private with a
 * user list), user and whole-group/channel mutes with a whitelist, and the two history
 * reads. The default channel is '' (`RCDefault` is taken as the same); it always exists
 * and is public. Mute scope '' is the whole group and counts in every channel.
 *
 * Serves the REST administration and, as UltraGroupRules, the delivery function. The
 * audience of a channel is cached per node and dropped on every membership or channel
 * change, here and on the other nodes (CacheNews); at worst after audienceCacheMs.
 */
export class UltraGroupService implements UltraGroupRules {
  /** Keyed by app, group and channel. */
  private readonly audiences: NodeCache<readonly string[]>;

  constructor(
    private readonly store: UltraGroupStore,
    private readonly clock: Clock,
    private readonly news?: CacheNews,
  ) {
    this.audiences = new NodeCache(audienceCacheOptions, clock);
  }

  /** Another node changed these groups' members or channels: the next read goes to the store. */
  forget(appKey: string, groupIds: readonly string[]): void {
    for (const groupId of groupIds) this.audiences.forgetPrefix(cacheKey(appKey, groupId, ''));
  }

  // --- UltraGroupRules -------------------------------------------------------------

  audience(app: App, groupId: string, busChannel: string): Promise<readonly string[]> {
    const channel = normalizeChannel(busChannel);
    return this.audiences.get(cacheKey(app.appKey, groupId, channel), async () => {
      const { private: isPrivate } = await this.requireChannel(app, groupId, channel);
      return Object.freeze(await this.store.audience(app.appKey, groupId, channel, isPrivate));
    });
  }

  async assertCanSend(app: App, groupId: string, busChannel: string, userId: string): Promise<void> {
    const standing = await this.store.sendStanding(app.appKey, groupId, normalizeChannel(busChannel), userId);
    if (!standing) throw new ParleyError('ultraGroupNotExist');
    if (standing.channelPrivate === undefined) throw new ParleyError('ultraGroupChannelNotExist');
    if (!standing.member) throw new ParleyError('notInUltraGroup');
    if (standing.channelPrivate && !standing.inChannel) throw new ParleyError('notInPrivateChannel');
    if (standing.muted) throw new ParleyError('forbiddenInUltraGroup', 'the sender is muted in the ultra group');
    if (standing.globallyMuted && !standing.allowed) throw new ParleyError('forbiddenInUltraGroup', 'the ultra group or channel is muted');
  }

  // --- Groups and members ------------------------------------------------------------

  /** Creates the group with `ownerId` as its first member; an existing group is renamed and joined. */
  async create(app: App, groupId: string, name: string, ownerId: string): Promise<void> {
    await this.store.create(app.appKey, groupId, name, ownerId, this.clock.now());
    await this.invalidate(app, groupId);
  }

  async dismiss(app: App, groupId: string): Promise<void> {
    await this.requireGroup(app, groupId);
    await this.store.dismiss(app.appKey, groupId);
    await this.invalidate(app, groupId);
  }

  async rename(app: App, groupId: string, name: string): Promise<void> {
    await this.requireGroup(app, groupId);
    await this.store.rename(app.appKey, groupId, name);
  }

  async join(app: App, groupId: string, userId: string): Promise<void> {
    await this.requireGroup(app, groupId);
    await this.store.addMember(app.appKey, groupId, userId, this.clock.now());
    await this.invalidate(app, groupId);
  }

  /** Leaves the group and every private channel in it; quitting twice is harmless. */
  async quit(app: App, groupId: string, userId: string): Promise<void> {
    await this.requireGroup(app, groupId);
    await this.store.removeMember(app.appKey, groupId, userId);
    await this.invalidate(app, groupId);
  }

  async isMember(app: App, groupId: string, userId: string): Promise<boolean> {
    await this.requireGroup(app, groupId);
    return this.store.isMember(app.appKey, groupId, userId);
  }

  async listMembers(app: App, groupId: string, offset: number, limit: number): Promise<string[]> {
    await this.requireGroup(app, groupId);
    return this.store.listMembers(app.appKey, groupId, offset, limit);
  }

  /** The user's ultra groups (none for an unknown user). */
  groupsOf(app: App, userId: string, offset: number, limit: number): Promise<Array<{ groupId: string; name: string }>> {
    return this.store.groupsOf(app.appKey, userId, offset, limit);
  }

  // --- Channels ------------------------------------------------------------------------

  /** Refuses the default channel (1002); an existing channel is left as it is. */
  async createChannel(app: App, groupId: string, busChannel: string, isPrivate: boolean): Promise<void> {
    const channel = this.namedChannel(busChannel);
    await this.requireGroup(app, groupId);
    await this.store.createChannel(app.appKey, groupId, { busChannel: channel, private: isPrivate, createdAt: this.clock.now() });
    await this.invalidate(app, groupId);
  }

  async deleteChannel(app: App, groupId: string, busChannel: string): Promise<void> {
    const channel = this.namedChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    await this.store.deleteChannel(app.appKey, groupId, channel);
    await this.invalidate(app, groupId);
  }

  async setChannelType(app: App, groupId: string, busChannel: string, isPrivate: boolean): Promise<void> {
    const channel = this.namedChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    await this.store.setChannelPrivate(app.appKey, groupId, channel, isPrivate);
    await this.invalidate(app, groupId);
  }

  /** Channels created through the API (the default channel is not listed), oldest first. */
  async listChannels(app: App, groupId: string, offset: number, limit: number): Promise<UltraGroupChannelRow[]> {
    await this.requireGroup(app, groupId);
    return this.store.listChannels(app.appKey, groupId, offset, limit);
  }

  async addChannelUsers(app: App, groupId: string, busChannel: string, userIds: readonly string[]): Promise<void> {
    const channel = this.namedChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    await this.store.addChannelUsers(app.appKey, groupId, channel, userIds);
    await this.invalidate(app, groupId);
  }

  async removeChannelUsers(app: App, groupId: string, busChannel: string, userIds: readonly string[]): Promise<void> {
    const channel = this.namedChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    await this.store.removeChannelUsers(app.appKey, groupId, channel, userIds);
    await this.invalidate(app, groupId);
  }

  async listChannelUsers(app: App, groupId: string, busChannel: string, offset: number, limit: number): Promise<string[]> {
    const channel = this.namedChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    return this.store.listChannelUsers(app.appKey, groupId, channel, offset, limit);
  }

  // --- Mutes (scope '' = the whole group) -------------------------------------------------

  async addToList(app: App, groupId: string, busChannel: string, kind: UltraGroupUserList, userIds: readonly string[]): Promise<void> {
    const channel = normalizeChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    await this.store.addToList(app.appKey, groupId, channel, kind, userIds, this.clock.now());
  }

  async removeFromList(app: App, groupId: string, busChannel: string, kind: UltraGroupUserList, userIds: readonly string[]): Promise<void> {
    const channel = normalizeChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    await this.store.removeFromList(app.appKey, groupId, channel, kind, userIds);
  }

  async list(app: App, groupId: string, busChannel: string, kind: UltraGroupUserList, offset: number, limit: number): Promise<string[]> {
    const channel = normalizeChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    return this.store.list(app.appKey, groupId, channel, kind, offset, limit);
  }

  async setGlobalMute(app: App, groupId: string, busChannel: string, muted: boolean): Promise<void> {
    const channel = normalizeChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    await this.store.setGlobalMute(app.appKey, groupId, channel, muted);
  }

  async isGloballyMuted(app: App, groupId: string, busChannel: string): Promise<boolean> {
    const channel = normalizeChannel(busChannel);
    await this.requireChannel(app, groupId, channel);
    return this.store.isGloballyMuted(app.appKey, groupId, channel);
  }

  // --- History --------------------------------------------------------------------------

  /** Rows past historyUltraGroupDays are not read, even before they are deleted. */
  private retentionStart(app: App): number {
    return retentionCutoff(app, conversationTypes.ultraGroup, this.clock.now());
  }

  /** Messages of one channel with `startTime < sentTime <= endTime`, oldest first. */
  async history(app: App, query: UltraGroupHistoryQuery): Promise<UltraGroupMessageRow[]> {
    const channel = normalizeChannel(query.busChannel);
    await this.requireChannel(app, query.groupId, channel);
    return this.store.historyRange(app.appKey, {
      groupId: query.groupId,
      busChannel: channel,
      after: Math.max(query.startTime, this.retentionStart(app) - 1),
      until: query.endTime,
      fromUserId: query.fromUserId,
      limit: query.pageSize,
    });
  }

  /** `/ultragroup/hismsg/msgid/query`: a message of the channel with its neighbours, oldest first. */
  async around(app: App, query: { groupId: string; busChannel: string; messageUId: string; before: number; after: number }): Promise<UltraGroupMessageRow[]> {
    const busChannel = normalizeChannel(query.busChannel);
    await this.requireChannel(app, query.groupId, busChannel);
    const rows = await this.store.messagesAround(app.appKey, { ...query, busChannel, notBefore: this.retentionStart(app) });
    if (!rows.some((row) => row.messageUId === query.messageUId)) throw new ParleyError('notFound', `no message ${query.messageUId} in this channel`);
    return rows;
  }

  /**
   * The group's messages named by `refs`, in the order asked, each only if it lies in
   * the channel named with it (any channel when none is named); unknown ids are left out.
   */
  async messages(app: App, groupId: string, refs: ReadonlyArray<{ messageUId: string; busChannel?: string }>): Promise<UltraGroupMessageRow[]> {
    await this.requireGroup(app, groupId);
    const rows = await this.store.messagesByUid(app.appKey, groupId, [...new Set(refs.map((ref) => ref.messageUId))]);
    const byUid = new Map(rows.map((row) => [row.messageUId, row]));
    const seen = new Set<string>();
    return refs.flatMap((ref) => {
      const row = byUid.get(ref.messageUId);
      if (!row || seen.has(row.messageUId)) return [];
      if (ref.busChannel !== undefined && row.busChannel !== normalizeChannel(ref.busChannel)) return [];
      seen.add(row.messageUId);
      return [row];
    });
  }

  // --- helpers ------------------------------------------------------------------------

  private async requireGroup(app: App, groupId: string): Promise<void> {
    await this.requireChannel(app, groupId, '');
  }

  /** The channel's type; throws ultraGroupNotExist / ultraGroupChannelNotExist. */
  private async requireChannel(app: App, groupId: string, channel: string): Promise<{ private: boolean }> {
    const found = await this.store.lookup(app.appKey, groupId, channel);
    if (!found.group) throw new ParleyError('ultraGroupNotExist');
    if (!found.channel) throw new ParleyError('ultraGroupChannelNotExist');
    return found.channel;
  }

  /** A channel other than the default one (which cannot be created, deleted or made private). */
  private namedChannel(busChannel: string): string {
    const channel = normalizeChannel(busChannel);
    if (channel === '') throw new ParleyError('badParameter', 'busChannel: the default channel cannot be changed');
    return channel;
  }

  /** Drops the group's cached audiences here and on the other nodes. */
  private async invalidate(app: App, groupId: string): Promise<void> {
    this.forget(app.appKey, [groupId]);
    await this.news?.announce(app.appKey, 'ultragroup', [groupId]);
  }

}
