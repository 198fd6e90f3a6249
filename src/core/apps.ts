import type { AppConfig } from '../config.js';

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
