import { ParleyError } from '../errors.js';
import type { MuteRow, PermissionStore, RelationKind, SensitiveWordRow } from '../store/permissions.js';
import type { App } from './apps.js';
import type { Clock } from './clock.js';
import { replaceInContent, SensitiveWordMatcher } from './sensitive-words.js';
import type { SessionService } from './sessions.js';

/** Other nodes' word changes are picked up within this long. */
const wordCacheMs = 5_000;

/**
 * The one-to-one permission model (SERVER-API.md §14, §18): blocklists, allowlists,
 * friends-only apps, banned users and sensitive words. Devices are held to every rule;
 * the app backend (REST) is the administrator and is held only to what it asks for
 * (`verifyBlacklist`). Called by the delivery function and the gateway, never per route.
 */
export class PermissionService {
  private readonly matchers = new Map<string, { matcher: SensitiveWordMatcher; loadedAt: number }>();

  constructor(
    private readonly store: PermissionStore,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
  ) {}

  /** Refuses a device's send to `toUserIds` with the first rule one of them breaks. */
  async checkClientSend(app: App, fromUserId: string, toUserIds: readonly string[]): Promise<void> {
    const standings = await this.store.standings(app.appKey, fromUserId, toUserIds);
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
    const standings = await this.store.standings(app.appKey, fromUserId, toUserIds);
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
    this.matchers.delete(app.appKey);
  }

  async removeWords(app: App, words: readonly string[]): Promise<void> {
    await this.store.removeWords(app.appKey, words);
    this.matchers.delete(app.appKey);
  }

  addRelations(app: App, kind: RelationKind, userId: string, others: readonly string[]): Promise<void> {
    return this.store.addRelations(app.appKey, kind, userId, others, this.clock.now());
  }

  removeRelations(app: App, kind: RelationKind, userId: string, others: readonly string[]): Promise<void> {
    return this.store.removeRelations(app.appKey, kind, userId, others);
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

  /** One automaton per app, rebuilt after a local change or when older than wordCacheMs. */
  private async matcher(app: App): Promise<SensitiveWordMatcher> {
    const now = this.clock.now();
    const cached = this.matchers.get(app.appKey);
    if (cached && now - cached.loadedAt < wordCacheMs && now >= cached.loadedAt) return cached.matcher;
    const matcher = new SensitiveWordMatcher(await this.store.listWords(app.appKey));
    this.matchers.set(app.appKey, { matcher, loadedAt: now });
    return matcher;
  }
}
