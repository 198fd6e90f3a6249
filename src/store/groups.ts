/** How one user stands in one group, read in one statement per send. */
export interface GroupStanding {
  member: boolean;
  /** A gag on the user runs past `now`. */
  gagged: boolean;
  /** The whole group is muted. */
  muted: boolean;
  /** The user is on the group's mute whitelist. */
  whitelisted: boolean;
}

export interface GroupSummary {
  groupId: string;
  name: string;
}

/**
 * Group data (SQL, Postgres or PGlite). Every method is one statement, so each is
 * atomic. Adds and removes are idempotent. A method on one group that answers
 * `false` (or `undefined`) found no such group and wrote nothing.
 */
export interface GroupStore {
  /**
   * Adds `userIds` to the group, creating it named `name` if absent; `rename`
   * also renames an existing group. Returns the number of members now.
   */
  addMembers(appKey: string, groupId: string, userIds: readonly string[], name: string, rename: boolean, now: number): Promise<number>;
  /** Removes the users' memberships; the group stays, even when empty. */
  removeMembers(appKey: string, groupId: string, userIds: readonly string[]): Promise<void>;
  /** Removes the group with its members, gags, mute and mute whitelist. False if there was none. */
  dismiss(appKey: string, groupId: string): Promise<boolean>;
  /**
   * Makes `groups` exactly the user's groups: joins those listed (creating absent
   * ones with the given name), leaves the others. Returns the groups joined or left.
   */
  syncUserGroups(appKey: string, userId: string, groups: readonly GroupSummary[], now: number): Promise<string[]>;
  rename(appKey: string, groupId: string, name: string): Promise<boolean>;
  /** Members in join order; undefined for an unknown group. */
  members(appKey: string, groupId: string): Promise<string[] | undefined>;
  /** The user's groups by id, paged. */
  userGroups(appKey: string, userId: string, offset: number, limit: number): Promise<GroupSummary[]>;
  /** undefined for an unknown group. */
  standing(appKey: string, groupId: string, userId: string, now: number): Promise<GroupStanding | undefined>;

  /** Gags (or re-gags) the users until `endsAt`. */
  gag(appKey: string, groupId: string, userIds: readonly string[], endsAt: number): Promise<boolean>;
  ungag(appKey: string, groupId: string, userIds: readonly string[]): Promise<boolean>;
  /** Gags running at `now`, by user id; undefined for an unknown group. */
  gags(appKey: string, groupId: string, now: number): Promise<Array<{ userId: string; endsAt: number }> | undefined>;

  /** Mutes (or unmutes) every listed group, or none: returns the unknown ids, written only if empty. */
  setMuted(appKey: string, groupIds: readonly string[], muted: boolean, now: number): Promise<string[]>;
  /** Whether each listed group is muted; unknown groups are left out. */
  muteStates(appKey: string, groupIds: readonly string[]): Promise<Map<string, boolean>>;
  /** Muted groups by id, paged. */
  mutedGroups(appKey: string, offset: number, limit: number): Promise<string[]>;

  addToWhitelist(appKey: string, groupId: string, userIds: readonly string[]): Promise<boolean>;
  removeFromWhitelist(appKey: string, groupId: string, userIds: readonly string[]): Promise<boolean>;
  /** By user id; undefined for an unknown group. */
  whitelist(appKey: string, groupId: string): Promise<string[] | undefined>;
}
