/** Who may add a user as a friend: 1 anyone directly, 2 only with the user's approval, 3 nobody. */
export type FriendPermission = 1 | 2 | 3;

/** One friend of a user, and since when (epoch ms). */
export interface FriendRow {
  userId: string;
  since: number;
}

/** Where a page of friends starts: after this friend in the page order. */
export interface FriendCursor {
  since: number;
  userId: string;
}

/**
 * Friend lists and friend-request levels (SQL, Postgres or PGlite). The friendships
 * themselves are `friend` rows of the relations table (permissions.ts), one per
 * direction; adding and removing them goes through PermissionService so caches follow.
 */
export interface FriendStore {
  /** The users `userId` counts as friends, ordered by (since, userId), after `after`. */
  page(appKey: string, userId: string, after: FriendCursor | undefined, limit: number, descending: boolean): Promise<FriendRow[]>;
  count(appKey: string, userId: string): Promise<number>;
  /** Ends every friendship of `userId`, both directions; returns the other users whose lists changed. */
  clean(appKey: string, userId: string): Promise<string[]>;
  setPermission(appKey: string, userIds: readonly string[], permission: FriendPermission): Promise<void>;
  /** Each user's level; users who never set one are left out (level 1). */
  permissions(appKey: string, userIds: readonly string[]): Promise<Map<string, FriendPermission>>;
}
