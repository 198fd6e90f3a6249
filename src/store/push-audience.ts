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
 * User tags and audience pushes (SQL). `enqueuePage` writes, in one statement, a push job
 * for every token of the next `limit` users of the audience (by user id, after
 * `afterUser`) on the given providers, users banned at `now` left out; a page written again
 * adds nothing (a job is kept per device and push). A push to 100,000 users is paged by a
 * background job (src/core/push/audience-push.ts).
 */
export interface PushAudienceStore {
  /** Replaces the tags of each user (an empty list removes them all). */
  setTags(appKey: string, userIds: readonly string[], tags: readonly string[]): Promise<void>;
  tagsOf(appKey: string, userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** The page's last user and how many users and jobs it wrote; undefined when no user of the audience with a token is left. */
  enqueuePage(
    appKey: string,
    pushId: string,
    audience: Audience,
    notifications: Partial<Record<PushProviderName, string>>,
    page: { afterUser: string; limit: number; now: number },
  ): Promise<{ lastUser: string; users: number; written: number } | undefined>;
  /** Up to `limit` users of the audience (with or without a token), for the message sent with a push. */
  usersOf(appKey: string, audience: Audience, limit: number): Promise<string[]>;
}
