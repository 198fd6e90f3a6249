import type { AppConfig } from '../config.js';
import type { InboxLimits } from '../store/inbox.js';

export type App = AppConfig;

/** The configured apps, looked up by key on every request and connection. */
export class AppRegistry {
  private readonly byKey: ReadonlyMap<string, App>;

  constructor(apps: readonly App[]) {
    this.byKey = new Map(apps.map((app) => [app.appKey, app]));
  }

  get(appKey: string): App | undefined {
    return this.byKey.get(appKey);
  }

  all(): App[] {
    return [...this.byKey.values()];
  }
}

/** How long and how many entries the app's inboxes keep. */
export function inboxLimits(app: App): InboxLimits {
  return { retentionMs: app.features.offlineMessageDays * 86_400_000, cap: app.features.offlineMessageCap };
}
