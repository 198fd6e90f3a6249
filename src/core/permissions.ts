import { ParleyError } from '../errors.js';
import type { MuteRow, PermissionStore, RecipientStanding, SensitiveWordRow } from '../store/permissions.js';
import type { RelationKind } from '../model/relations.js';
import type { CacheNews } from './cache-news.js';
import { cacheKey, NodeCache } from './cache.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import { replaceInContent, SensitiveWordMatcher } from './sensitive-words.js';
import type { SessionService } from './sessions.js';

/** Each app's word automaton, rebuilt at least every 5 s (other nodes' word changes). */
const wordCacheOptions = { ttlMs: 5_000, max: 1_000 };
/** How recipients stand toward senders, each pair at most 5 s (other nodes' changes arrive sooner, as news). */
const relationCacheOptions = { ttlMs: 5_000, max: 50_000 };

/** One recipient's standing toward one sender; none when they have no relation. */
interface CachedStanding {
  standing: RecipientStanding | undefined;
}

/**
 * The one-to-one permission model (docs/server-api.md "Users", docs/server-api.md "Permissions"): blocklists, allowlists,
 * friends-only apps, banned users and sensitive words. Devices are held to every rule;
 * the app backend (REST) is the administrator and is held only to what it asks for
 * (`verifyBlacklist`). Called by the delivery function and the gateway, never per route.
 */
export class PermissionService {
  private readonly matchers: NodeCache<SensitiveWordMatcher>;
  /** Keyed by app, recipient and sender: a device's send costs no query per message. */
  private readonly relations: NodeCache<CachedStanding>;
  /** Keyed by app and sender: muted in one-to-one chat (dropped with the sender's relations). */
  private readonly privateMutes: NodeCache<{ muted: boolean }>;

  constructor(
    private readonly store: PermissionStore,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
    private readonly news?: CacheNews,
  ) {
    this.matchers = new NodeCache(wordCacheOptions, clock);
    this.relations = new NodeCache(relationCacheOptions, clock);
    this.privateMutes = new NodeCache(relationCacheOptions, clock);
  }

  /**
   * Refuses a device's send to `toUserIds` with the first rule it breaks: the sender muted
   * in one-to-one chat, then each recipient's lists.
   */
  async checkClientSend(app: App, fromUserId: string, toUserIds: readonly string[]): Promise<void> {
    if (await this.isPrivateMuted(app, fromUserId)) throw new ParleyError('mutedInPrivateChat');
    const standings = await this.cachedStandings(app, fromUserId, toUserIds);
    for (const userId of toUserIds) {
      const standing = standings.get(userId);
      if (!standing || userId === fromUserId) continue;
      if (standing.blocked) throw new ParleyError('rejectedByBlacklist');
      if (standing.hasAllowlist && !standing.allowed) throw new ParleyError('notInWhitelist');
      if (app.features.friendsOnly && !standing.friend) throw new ParleyError('notFriend');
    }
  }

  /** The recipients who blocked `fromUserId` (a REST send with `verifyBlacklist`). */
  async blockedBy(app: App, fromUserId: string, toUserIds: readonly string[]): Promise<Set<string>> {
    const standings = await this.cachedStandings(app, fromUserId, toUserIds);
    return new Set(toUserIds.filter((userId) => standings.get(userId)?.blocked));
  }

  /** A device's content with replace words replaced; refuses one with a blocking word. */
  async filterContent(app: App, objectName: string, content: string): Promise<string> {
    const matcher = await this.matcher(app);
    const result = replaceInContent(objectName, content, matcher);
    if (result.blocked.length > 0) throw new ParleyError('sensitiveWordBlocked');
    return result.content;
  }

  async addWords(app: App, words: readonly SensitiveWordRow[]): Promise<void> {
    // A word listed twice is one word; the later entry wins.
    await this.store.addWords(app.appKey, [...new Map(words.map((w) => [w.word, w])).values()]);
    this.matchers.forget([app.appKey]);
  }

  async removeWords(app: App, words: readonly string[]): Promise<void> {
    await this.store.removeWords(app.appKey, words);
    this.matchers.forget([app.appKey]);
  }

  async addRelations(app: App, kind: RelationKind, userId: string, others: readonly string[]): Promise<void> {
    await this.changeRelations(app, userId, () => this.store.addRelations(app.appKey, kind, userId, others, this.clock.now()));
  }

  async removeRelations(app: App, kind: RelationKind, userId: string, others: readonly string[]): Promise<void> {
    await this.changeRelations(app, userId, () => this.store.removeRelations(app.appKey, kind, userId, others));
  }

  /** Another node changed these users' relations: the next check reads them from the store. */
  forget(appKey: string, userIds: readonly string[]): void {
    for (const userId of userIds) this.relations.forgetPrefix(cacheKey(appKey, userId, ''));
    this.privateMutes.forget(userIds.map((userId) => cacheKey(appKey, userId)));
  }

  /** `/user/chat/fb/set.json`: the users may not (or may again) send one-to-one messages from their devices. */
  async setPrivateMute(app: App, userIds: readonly string[], muted: boolean): Promise<void> {
    try {
      await this.store.setPrivateMute(app.appKey, userIds, muted, this.clock.now());
    } finally {
      await this.relationsChanged(app, userIds);
    }
  }

  listPrivateMutes(app: App, offset: number, limit: number): Promise<{ total: number; userIds: string[] }> {
    return this.store.listPrivateMutes(app.appKey, offset, limit);
  }

  private async isPrivateMuted(app: App, userId: string): Promise<boolean> {
    const cached = await this.privateMutes.get(cacheKey(app.appKey, userId), async () => ({ muted: await this.store.isPrivateMuted(app.appKey, userId) }));
    return cached.muted;
  }

  /** The relations of `userId` (as a recipient) change: dropped from the caches here and on the other nodes. */
  private async changeRelations(app: App, userId: string, change: () => Promise<void>): Promise<void> {
    try {
      await change();
    } finally {
      await this.relationsChanged(app, [userId]);
    }
  }

  /** These users' relations changed in the store (a friend list cleared, an account deleted): caches drop them everywhere. */
  async relationsChanged(app: App, userIds: readonly string[]): Promise<void> {
    this.forget(app.appKey, userIds);
    await this.news?.announce(app.appKey, 'relations', userIds);
  }

  /** Each recipient's standing toward `fromUserId`, from the cache where fresh, the rest in one query. */
  private async cachedStandings(app: App, fromUserId: string, toUserIds: readonly string[]): Promise<Map<string, RecipientStanding | undefined>> {
    const keyOf = (userId: string) => cacheKey(app.appKey, userId, fromUserId);
    const byKey = new Map(toUserIds.map((userId) => [keyOf(userId), userId]));
    const cached = await this.relations.getMany([...byKey.keys()], async (missing) => {
      const read = await this.store.standings(app.appKey, fromUserId, missing.map((key) => byKey.get(key)!));
      return new Map(missing.map((key) => [key, { standing: read.get(byKey.get(key)!) }]));
    });
    return new Map(toUserIds.map((userId) => [userId, cached.get(keyOf(userId))?.standing]));
  }

  listRelations(app: App, kind: RelationKind, userId: string, after: string, limit: number): Promise<string[]> {
    return this.store.listRelations(app.appKey, kind, userId, after, limit);
  }

  /** How `userId` and each of `others` count each other as friends. */
  async friendship(app: App, userId: string, others: readonly string[]): Promise<Array<{ userId: string; theyCountMe: boolean; iCountThem: boolean }>> {
    const [theirs, mine] = await Promise.all([
      this.store.standings(app.appKey, userId, others),
      this.store.listRelationsAmong(app.appKey, 'friend', userId, others),
    ]);
    return others.map((other) => ({ userId: other, theyCountMe: theirs.get(other)?.friend ?? false, iCountThem: mine.has(other) }));
  }

  listWords(app: App, type?: 0 | 1): Promise<SensitiveWordRow[]> {
    return this.store.listWords(app.appKey, type);
  }

  unban(app: App, userIds: readonly string[]): Promise<void> {
    return this.store.unban(app.appKey, userIds);
  }

  listBans(app: App, offset: number, limit: number): Promise<Array<{ userId: string; endsAt: number }>> {
    return this.store.listBans(app.appKey, this.clock.now(), offset, limit);
  }

  setMute(app: App, userId: string, mute: MuteRow): Promise<void> {
    return this.store.setMute(app.appKey, userId, mute);
  }

  getMute(app: App, userId: string, conversationType: number, targetId: string, busChannel: string): Promise<number> {
    return this.store.getMute(app.appKey, userId, conversationType, targetId, busChannel);
  }

  listMutes(app: App, userId: string): Promise<MuteRow[]> {
    return this.store.listMutes(app.appKey, userId);
  }

  /** Bans for `minutes`: sessions are kicked now, connects refused until the ban ends. */
  async ban(app: App, userIds: readonly string[], minutes: number): Promise<void> {
    await this.store.ban(app.appKey, userIds, this.clock.now() + minutes * 60_000);
    await Promise.all(userIds.map((userId) => this.sessions.kickUser(app.appKey, userId, 'user-blocked')));
  }

  async assertNotBanned(app: App, userId: string): Promise<void> {
    if ((await this.store.banEnd(app.appKey, userId, this.clock.now())) !== undefined) throw new ParleyError('userBanned');
  }

  /** One automaton per app, rebuilt after a local change or when older than its cache time. */
  private matcher(app: App): Promise<SensitiveWordMatcher> {
    return this.matchers.get(app.appKey, async () => new SensitiveWordMatcher(await this.store.listWords(app.appKey)));
  }
}

