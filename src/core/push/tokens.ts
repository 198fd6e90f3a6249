import type { Clock } from '../../model/clock.js';
import type { PushToken } from '../../model/push.js';
import type { PushTarget, PushTokenStore, QuietHours } from '../../store/push-tokens.js';
import type { App } from '../apps.js';

/** How often a node learns which apps have tokens (a token registered on another node counts from then). */
export const tokenAppsRefreshMs = 5_000;

/**
 * Devices' push tokens, and which apps have any: a send in an app without a token costs
 * the push nothing (no query), as the set is known in memory and refreshed every few seconds.
 */
export class PushTokens {
  private appsWithTokens = new Set<string>();
  /** Apps that got a token here while a refresh ran (its answer may predate them). */
  private addedDuringRefresh = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: PushTokenStore,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(this.onError), tokenAppsRefreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Binds the token to the user's device; re-registering replaces it, and it leaves any other holder. */
  async register(app: App, token: PushToken): Promise<void> {
    await this.store.register(app.appKey, token, this.clock.now());
    this.appsWithTokens.add(app.appKey);
    this.addedDuringRefresh.add(app.appKey);
  }

  unregister(app: App, userId: string, deviceId: string): Promise<void> {
    return this.store.unregister(app.appKey, userId, deviceId);
  }

  /** false only when no device of the app had a token at the last refresh (and none registered here since). */
  mayHaveTokens(appKey: string): boolean {
    return this.appsWithTokens.has(appKey);
  }

  /** The tokens a message in `conversation` may be pushed to among the users' devices, and the group's name, in one query (PushTokenStore.targets). */
  targets(app: App, userIds: readonly string[], conversation: { conversationType: number; targetId: string; busChannel: string }): Promise<{ devices: PushTarget[]; groupName: string }> {
    return this.store.targets(app.appKey, userIds, conversation, this.clock.now());
  }

  setQuietHours(app: App, userId: string, hours: QuietHours): Promise<void> {
    return this.store.setQuietHours(app.appKey, userId, hours);
  }

  getQuietHours(app: App, userId: string): Promise<QuietHours | undefined> {
    return this.store.getQuietHours(app.appKey, userId);
  }

  deleteQuietHours(app: App, userId: string): Promise<void> {
    return this.store.deleteQuietHours(app.appKey, userId);
  }

  removeDead(appKey: string, token: Pick<PushToken, 'provider' | 'token'>): Promise<void> {
    return this.store.removeToken(appKey, token.provider, token.token);
  }

  private async refresh(): Promise<void> {
    this.addedDuringRefresh = new Set();
    const apps = await this.store.appsWithTokens();
    this.appsWithTokens = new Set([...apps, ...this.addedDuringRefresh]);
  }
}
