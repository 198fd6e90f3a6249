/**
 * Account deletion in SQL (Postgres or PGlite). `purge` removes, in one transaction,
 * every row of one user — profile, cloud history it sent or received one-to-one, read
 * positions, conversations, pins and mutes (its own, and other users' of their
 * conversations with it), relations both ways, bans, remarks, friend settings, the hourly
 * history files that may hold its messages, its push tokens, owed pushes, quiet hours and
 * tags, its broadcast jobs (a job whose cursor names it goes on from the user before), and
 * the inbox appends still owed to it — except what
 * belongs to groups: group and ultra-group memberships and the settings scoped to them
 * (gags, mute whitelists, private-channel access) stay. Chatroom rows are the chatroom
 * store's.
 */
export interface AccountStore {
  /** Purges the user; returns the other users whose relations with it were removed. */
  purge(appKey: string, userId: string): Promise<{ relatedUsers: string[] }>;
  markDeactivated(appKey: string, userIds: readonly string[], now: number): Promise<void>;
  unmarkDeactivated(appKey: string, userIds: readonly string[]): Promise<void>;
  isDeactivated(appKey: string, userId: string): Promise<boolean>;
  /** Deactivated users, oldest deactivation first. */
  listDeactivated(appKey: string, offset: number, limit: number): Promise<string[]>;
}
