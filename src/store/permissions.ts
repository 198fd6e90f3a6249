import type { RelationKind } from '../model/relations.js';


/** How each recipient stands toward one sender. */
export interface RecipientStanding {
  /** The recipient blocked the sender. */
  blocked: boolean;
  /** The recipient keeps an allowlist at all. */
  hasAllowlist: boolean;
  /** The sender is on it. */
  allowed: boolean;
  /** The recipient counts the sender as a friend. */
  friend: boolean;
}

export interface SensitiveWordRow {
  word: string;
  replaceWord: string;
  type: 0 | 1;
}

export interface MuteRow {
  conversationType: number;
  targetId: string;
  busChannel: string;
  unpushLevel: number;
}

/**
 * Permission data (SQL, Postgres or PGlite). Adds and removes are idempotent;
 * lists page by `other_user_id` order after a cursor ('' for the first page).
 */
export interface PermissionStore {
  addRelations(appKey: string, kind: RelationKind, userId: string, others: readonly string[], now: number): Promise<void>;
  removeRelations(appKey: string, kind: RelationKind, userId: string, others: readonly string[]): Promise<void>;
  listRelations(appKey: string, kind: RelationKind, userId: string, after: string, limit: number): Promise<string[]>;
  /** Which of `others` `userId` holds a `kind` relation to, in one query. */
  listRelationsAmong(appKey: string, kind: RelationKind, userId: string, others: readonly string[]): Promise<Set<string>>;
  /** The standing of each of `recipients` toward `senderId`, in one query. */
  standings(appKey: string, senderId: string, recipients: readonly string[]): Promise<Map<string, RecipientStanding>>;

  ban(appKey: string, userIds: readonly string[], endsAt: number): Promise<void>;
  unban(appKey: string, userIds: readonly string[]): Promise<void>;
  /** When the user's ban ends, if it ends after `now`. */
  banEnd(appKey: string, userId: string, now: number): Promise<number | undefined>;
  /** Bans still running at `now`, by user id. */
  listBans(appKey: string, now: number, offset: number, limit: number): Promise<Array<{ userId: string; endsAt: number }>>;

  /** Mutes (or unmutes) the users in every one-to-one conversation (`/user/chat/fb/set.json`). */
  setPrivateMute(appKey: string, userIds: readonly string[], muted: boolean, now: number): Promise<void>;
  isPrivateMuted(appKey: string, userId: string): Promise<boolean>;
  /** Muted users by id, and how many there are. */
  listPrivateMutes(appKey: string, offset: number, limit: number): Promise<{ total: number; userIds: string[] }>;

  /** Adds or overwrites words. */
  addWords(appKey: string, words: readonly SensitiveWordRow[]): Promise<void>;
  removeWords(appKey: string, words: readonly string[]): Promise<void>;
  listWords(appKey: string, type?: 0 | 1): Promise<SensitiveWordRow[]>;

  /** `unpushLevel` 0 removes the setting. */
  setMute(appKey: string, userId: string, mute: MuteRow): Promise<void>;
  getMute(appKey: string, userId: string, conversationType: number, targetId: string, busChannel: string): Promise<number>;
  listMutes(appKey: string, userId: string): Promise<MuteRow[]>;
}
