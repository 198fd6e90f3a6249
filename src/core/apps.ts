import type { AppConfig } from '../config.js';
import type { InboxLimits } from '../store/inbox.js';

export type App = AppConfig;

/** An app as a node holds it, with the store's version of it. */
export interface VersionedApp {
  app: App;
  version: number;
}

/** What one reload of the apps changed: whole new app objects, and the keys that are gone. */
export interface AppChanges {
  changed: App[];
  removed: string[];
}

/**
 * The apps this node serves, looked up by key on every request and connection. The admin
 * API changes them at run time (core/app-settings.ts): a change swaps in a whole new app
 * object, never edits one, so a request sees either the old settings or the new, never a
 * mix. Whoever needs an app's current settings asks here rather than keep a copy.
 */
export class AppRegistry {
  private byKey: ReadonlyMap<string, VersionedApp>;

  constructor(apps: readonly App[] = []) {
    this.byKey = new Map(apps.map((app) => [app.appKey, { app, version: 0 }]));
  }

  get(appKey: string): App | undefined {
    return this.byKey.get(appKey)?.app;
  }

  /**
   * The app of a Tencent IM SDKAppID (docs/tencent-im.md); none when two apps claim it (the
   * admin API cannot refuse that across nodes at once, so the ambiguity is refused here).
   */
  byTencentAppId(sdkAppId: number): App | undefined {
    const claiming = this.all().filter((app) => app.tencent?.sdkAppId === sdkAppId);
    return claiming.length === 1 ? claiming[0] : undefined;
  }

  all(): App[] {
    return [...this.byKey.values()].map((entry) => entry.app);
  }

  /**
   * Replaces the whole set with `loaded`; an app whose version did not change keeps its
   * object (so that what was built from it, such as push connections, is kept too).
   */
  swap(loaded: readonly VersionedApp[]): AppChanges {
    const previous = this.byKey;
    const next = new Map<string, VersionedApp>();
    const changed: App[] = [];
    for (const entry of loaded) {
      const before = previous.get(entry.app.appKey);
      if (before && before.version === entry.version) next.set(entry.app.appKey, before);
      else {
        next.set(entry.app.appKey, entry);
        changed.push(entry.app);
      }
    }
    this.byKey = next;
    return { changed, removed: [...previous.keys()].filter((appKey) => !next.has(appKey)) };
  }

  /** The version this node holds of the app (to keep it when the stored row no longer reads). */
  entry(appKey: string): VersionedApp | undefined {
    return this.byKey.get(appKey);
  }
}

/** How long and how many entries the app's inboxes keep. */
export function inboxLimits(app: App): InboxLimits {
  return { retentionMs: app.features.offlineMessageDays * 86_400_000, cap: app.features.offlineMessageCap };
}
