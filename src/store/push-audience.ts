import type { PushProviderName } from '../model/push.js';

/**
 * Who a push to an audience goes to (`/push.json`, `/push/custom.json`): users by id,
 * by tags, or everyone with a token. `all` and `any` are tag lists (every one / at least
 * one); `items` is RongCloud's tagItems, evaluated left to right.
 */
export interface Audience {
  everyone: boolean;
  userIds?: readonly string[] | undefined;
  all?: readonly string[] | undefined;
  any?: readonly string[] | undefined;
  items?: ReadonlyArray<{ tags: readonly string[]; operator: 'and' | 'or'; not: boolean; join: 'and' | 'or' }> | undefined;
}

/**
 * User tags and audience pushes (SQL). `enqueue` writes, in one statement, a push job for
 * every token of the audience on the given providers (users banned at `now` left out), so
 * a push to 100,000 users is one INSERT; it returns how many it wrote.
 */
export interface PushAudienceStore {
  /** Replaces the tags of each user (an empty list removes them all). */
  setTags(appKey: string, userIds: readonly string[], tags: readonly string[]): Promise<void>;
  tagsOf(appKey: string, userIds: readonly string[]): Promise<Map<string, string[]>>;
  enqueue(appKey: string, pushId: string, audience: Audience, notifications: Partial<Record<PushProviderName, string>>, now: number): Promise<number>;
  /** Up to `limit` users of the audience (with or without a token), for the message sent with a push. */
  usersOf(appKey: string, audience: Audience, limit: number): Promise<string[]>;
}
