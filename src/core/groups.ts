import { ParleyError } from '../errors.js';
import type { GroupStore, GroupSummary } from '../store/groups.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import type { GroupRules } from './conversation-rules.js';
import type { CacheNews } from './cache-news.js';
import { cacheKey, NodeCache } from './cache.js';

/** Members of this many groups are kept per node, each at most 5 s (other nodes' changes arrive sooner, as news). */
const memberCacheOptions = { ttlMs: 5_000, max: 10_000 };
/** RongCloud: a gag of 0 minutes lasts the longest a gag may, 30 days. */
export const maxGagMinutes = 43_200;

/**
 * Server-maintained groups (SERVER-API.md §15): membership, member gags, whole-group
 * mute and its whitelist. The app backend (REST) administers them; the delivery
 * function asks `members` and `assertCanSend` (GroupRules) for each group send.
 */
export class GroupService implements GroupRules {
  private readonly memberCache: NodeCache<readonly string[]>;

  constructor(
    private readonly store: GroupStore,
    private readonly clock: Clock,
    private readonly news?: CacheNews,
  ) {
    this.memberCache = new NodeCache(memberCacheOptions, clock);
  }

  /** Another node changed these groups' members: the next read goes to the store. */
  forget(appKey: string, groupIds: readonly string[]): void {
    this.memberCache.forget(groupIds.map((groupId) => cacheKey(appKey, groupId)));
  }

  members(app: App, groupId: string): Promise<readonly string[]> {
    return this.memberCache.get(cacheKey(app.appKey, groupId), async () => found(await this.store.members(app.appKey, groupId)));
  }

  async assertCanSend(app: App, groupId: string, userId: string, requireMember: boolean): Promise<void> {
    const standing = await this.store.standing(app.appKey, groupId, userId, this.clock.now());
    if (!standing) throw new ParleyError('groupNotExist');
    if (requireMember && !standing.member) throw new ParleyError('notInGroup');
    if (standing.gagged || (standing.muted && !standing.whitelisted)) throw new ParleyError('forbiddenInGroup');
  }

  /** Creates the group (or renames an existing one) and adds `userIds`. Returns the member count. */
  create(app: App, groupId: string, name: string, userIds: readonly string[]): Promise<number> {
    return this.changeMembers(app, [groupId], () => this.store.addMembers(app.appKey, groupId, userIds, name, true, this.clock.now()));
  }

  /** Adds `userIds`, creating the group named `name` (or '') if absent, as RongCloud does. Returns the member count. */
  join(app: App, groupId: string, userIds: readonly string[], name?: string): Promise<number> {
    return this.changeMembers(app, [groupId], () => this.store.addMembers(app.appKey, groupId, userIds, name ?? '', false, this.clock.now()));
  }

  /** Removes `userIds`; an unknown group or a non-member is no error. The group stays, even empty. */
  quit(app: App, groupId: string, userIds: readonly string[]): Promise<void> {
    return this.changeMembers(app, [groupId], () => this.store.removeMembers(app.appKey, groupId, userIds));
  }

  /** Removes the group with its members, gags, mute and whitelist; false if there was none. */
  dismiss(app: App, groupId: string): Promise<boolean> {
    return this.changeMembers(app, [groupId], () => this.store.dismiss(app.appKey, groupId));
  }

  /** Makes `groups` exactly the user's groups (absent groups are created with the given name). */
  async sync(app: App, userId: string, groups: readonly GroupSummary[]): Promise<void> {
    const changed = await this.store.syncUserGroups(app.appKey, userId, groups, this.clock.now());
    this.forget(app.appKey, changed);
    await this.news?.announce(app.appKey, 'group', changed);
  }

  async rename(app: App, groupId: string, name: string): Promise<void> {
    if (!(await this.store.rename(app.appKey, groupId, name))) throw new ParleyError('groupNotExist');
  }

  /** The group's members now, read past the cache (administration, not sends). */
  async listMembers(app: App, groupId: string): Promise<string[]> {
    return found(await this.store.members(app.appKey, groupId));
  }

  /** The user's groups by id, paged. */
  userGroups(app: App, userId: string, offset: number, limit: number): Promise<GroupSummary[]> {
    return this.store.userGroups(app.appKey, userId, offset, limit);
  }

  /** Gags `userIds` for `minutes` (0: the longest, 43200); the gag ends by itself. */
  async gag(app: App, groupId: string, userIds: readonly string[], minutes: number): Promise<void> {
    const endsAt = this.clock.now() + (minutes === 0 ? maxGagMinutes : minutes) * 60_000;
    if (!(await this.store.gag(app.appKey, groupId, userIds, endsAt))) throw new ParleyError('groupNotExist');
  }

  async ungag(app: App, groupId: string, userIds: readonly string[]): Promise<void> {
    if (!(await this.store.ungag(app.appKey, groupId, userIds))) throw new ParleyError('groupNotExist');
  }

  /** Running gags, by user id, with their end time (epoch ms). */
  async listGags(app: App, groupId: string): Promise<Array<{ userId: string; endsAt: number }>> {
    return found(await this.store.gags(app.appKey, groupId, this.clock.now()));
  }

  /** Mutes (or unmutes) every listed group, or none when one is unknown (groupNotExist). */
  async setMuted(app: App, groupIds: readonly string[], muted: boolean): Promise<void> {
    const missing = await this.store.setMuted(app.appKey, groupIds, muted, this.clock.now());
    if (missing.length > 0) throw new ParleyError('groupNotExist', `no such group: ${missing.join(', ')}`);
  }

  /** Whether each listed group is muted, in the order asked; groupNotExist if one is unknown. */
  async muteStates(app: App, groupIds: readonly string[]): Promise<Array<{ groupId: string; muted: boolean }>> {
    const states = await this.store.muteStates(app.appKey, groupIds);
    const missing = groupIds.filter((groupId) => !states.has(groupId));
    if (missing.length > 0) throw new ParleyError('groupNotExist', `no such group: ${missing.join(', ')}`);
    return groupIds.map((groupId) => ({ groupId, muted: states.get(groupId) ?? false }));
  }

  /** Muted groups by id, paged. */
  mutedGroups(app: App, offset: number, limit: number): Promise<string[]> {
    return this.store.mutedGroups(app.appKey, offset, limit);
  }

  async addToMuteWhitelist(app: App, groupId: string, userIds: readonly string[]): Promise<void> {
    if (!(await this.store.addToWhitelist(app.appKey, groupId, userIds))) throw new ParleyError('groupNotExist');
  }

  async removeFromMuteWhitelist(app: App, groupId: string, userIds: readonly string[]): Promise<void> {
    if (!(await this.store.removeFromWhitelist(app.appKey, groupId, userIds))) throw new ParleyError('groupNotExist');
  }

  async muteWhitelist(app: App, groupId: string): Promise<string[]> {
    return found(await this.store.whitelist(app.appKey, groupId));
  }

  /** Runs a membership change, then drops the groups' cached members here and on the other nodes. */
  private async changeMembers<T>(app: App, groupIds: readonly string[], change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      this.forget(app.appKey, groupIds);
      await this.news?.announce(app.appKey, 'group', groupIds);
    }
  }
}

function found<T>(value: T | undefined): T {
  if (value === undefined) throw new ParleyError('groupNotExist');
  return value;
}
