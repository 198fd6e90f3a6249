import { ParleyError } from '../errors.js';
import type { FriendCursor, FriendPermission, FriendStore } from '../store/friends.js';
import type { UserStore } from '../store/users.js';
import type { App } from './apps.js';
import type { PermissionService } from './permissions.js';

/** `/friend/add` optType: 1 follows the target's level, 2 adds directly. */
export type FriendAddType = 1 | 2;
/** directionType: 1 only `userId`'s side, 2 (default) both sides. */
export type FriendDirection = 1 | 2;

/**
 * `/friend/check` results as the Go and Java SDKs document them (both ways checked):
 * 1 each counts the other, 2 neither, 3 only `userId` counts the target, 4 only the target counts `userId`.
 */
export const friendCheck = { both: 1, neither: 2, mineOnly: 3, theirsOnly: 4 } as const;

export interface FriendPage {
  totalCount: number;
  /** Pass back to get the next page; '' on the last one. */
  pageToken: string;
  friends: Array<{ userId: string; name: string; since: number }>;
}

/**
 * Friends (RongCloud's profile-hosting `/friend/*` API): who counts whom as a friend,
 * one row per direction, read by friends-only apps (permissions.ts). Parley keeps no
 * friend requests: an add either happens at once or is refused.
 */
export class FriendService {
  constructor(
    private readonly store: FriendStore,
    private readonly permissions: PermissionService,
    private readonly users: UserStore,
  ) {}

  async add(app: App, userId: string, targetId: string, optType: FriendAddType, direction: FriendDirection): Promise<void> {
    if (userId === targetId) throw new ParleyError('badParameter', 'targetId: a user cannot add itself');
    if (optType === 1) {
      const level = (await this.store.permissions(app.appKey, [targetId])).get(targetId) ?? 1;
      if (level === 2) throw new ParleyError('friendNeedsApproval');
      if (level === 3) throw new ParleyError('friendAddForbidden');
    }
    await this.permissions.addRelations(app, 'friend', userId, [targetId]);
    if (direction === 2) await this.permissions.addRelations(app, 'friend', targetId, [userId]);
  }

  async remove(app: App, userId: string, targetIds: readonly string[], direction: FriendDirection): Promise<void> {
    await this.permissions.removeRelations(app, 'friend', userId, targetIds);
    if (direction === 2) await Promise.all(targetIds.map((target) => this.permissions.removeRelations(app, 'friend', target, [userId])));
  }

  /** Ends every friendship of the user, both ways. */
  async clean(app: App, userId: string): Promise<void> {
    const others = await this.store.clean(app.appKey, userId);
    await this.permissions.relationsChanged(app, [userId, ...others]);
  }

  /** One page of the user's friends, oldest friendship first (or newest with `descending`). */
  async page(app: App, userId: string, pageToken: string, size: number, descending: boolean): Promise<FriendPage> {
    const [rows, totalCount] = await Promise.all([
      this.store.page(app.appKey, userId, decodeToken(pageToken), size + 1, descending),
      this.store.count(app.appKey, userId),
    ]);
    const page = rows.slice(0, size);
    const profiles = await this.users.getMany(app.appKey, page.map((r) => r.userId));
    const last = page[page.length - 1];
    return {
      totalCount,
      pageToken: rows.length > size && last ? `${last.since}_${last.userId}` : '',
      friends: page.map((r) => ({ userId: r.userId, name: profiles.get(r.userId)?.name ?? '', since: r.since })),
    };
  }

  async check(app: App, userId: string, targetIds: readonly string[]): Promise<Array<{ userId: string; result: number }>> {
    const standings = await this.permissions.friendship(app, userId, targetIds);
    return standings.map((s) => ({
      userId: s.userId,
      result: s.iCountThem ? (s.theyCountMe ? friendCheck.both : friendCheck.mineOnly) : s.theyCountMe ? friendCheck.theirsOnly : friendCheck.neither,
    }));
  }

  setPermission(app: App, userIds: readonly string[], permission: FriendPermission): Promise<void> {
    return this.store.setPermission(app.appKey, userIds, permission);
  }

  async permissionsOf(app: App, userIds: readonly string[]): Promise<Array<{ userId: string; type: FriendPermission }>> {
    const levels = await this.store.permissions(app.appKey, userIds);
    return userIds.map((userId) => ({ userId, type: levels.get(userId) ?? 1 }));
  }
}

/** `<since>_<userId>` as `page` hands it out; anything else is refused. */
function decodeToken(token: string): FriendCursor | undefined {
  if (token === '') return undefined;
  const match = /^(\d{1,16})_(.+)$/.exec(token);
  if (!match) throw new ParleyError('badParameter', 'pageToken: not one this server gave');
  return { since: Number(match[1]), userId: match[2]! };
}
