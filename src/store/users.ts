/** A registered user of one app. Times are epoch milliseconds. */
export interface UserRecord {
  userId: string;
  name: string;
  portraitUri: string;
  createdAt: number;
  /** Tokens issued before this instant are refused (`/user/token/expire`). */
  tokensValidAfter: number;
}

export interface UserProfile {
  userId: string;
  name: string;
  portraitUri: string;
}

/**
 * Users and their profiles, scoped by app. Implemented once over SQL (users.sql.ts)
 * for both Postgres and PGlite.
 */
export interface UserStore {
  /** Creates the user or overwrites its profile; `createdAt` is kept for an existing user and returned. */
  upsert(appKey: string, profile: UserProfile, now: number): Promise<number>;
  /** Changes the given profile fields; false (nothing written) when the user does not exist. */
  update(appKey: string, userId: string, changes: Partial<Omit<UserProfile, 'userId'>>): Promise<boolean>;
  /** undefined when the user does not exist. */
  get(appKey: string, userId: string): Promise<UserRecord | undefined>;
  /** Profiles of the given users that exist, in one query. */
  getMany(appKey: string, userIds: readonly string[]): Promise<Map<string, UserRecord>>;
  /** User ids of the app in id order, after `afterUserId` ('' for the first page). */
  listIds(appKey: string, afterUserId: string, limit: number): Promise<string[]>;
  /**
   * Marks tokens issued before `before` invalid for the existing users among
   * `userIds`; a mark never moves backwards. Returns the users it marked.
   */
  expireTokens(appKey: string, userIds: readonly string[], before: number): Promise<string[]>;
  /** Users by registration time (then id), ascending or not, and how many the app has. */
  page(appKey: string, offset: number, limit: number, descending: boolean): Promise<{ total: number; users: UserRecord[] }>;

  /** Sets the push remarks `userId` keeps for other users (overwriting them). */
  setRemarks(appKey: string, userId: string, remarks: readonly UserRemark[]): Promise<void>;
  deleteRemark(appKey: string, userId: string, targetId: string): Promise<void>;
  /** The user's remarks by target id, and how many there are. */
  remarks(appKey: string, userId: string, offset: number, limit: number): Promise<{ total: number; remarks: UserRemark[] }>;
}

/** The name `userId` sees for `targetId` in push notifications (`/user/remarks/*`). */
export interface UserRemark {
  targetId: string;
  remark: string;
}

/** The persisted development app (used only when no app is configured). */
export interface DevAppStore {
  /** Returns the stored development app, creating it with `create()` the first time. */
  findOrCreate(create: () => { appKey: string; appSecret: string }): Promise<{ appKey: string; appSecret: string }>;
}
