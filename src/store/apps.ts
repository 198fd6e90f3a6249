/** An app as stored: its settings are the app's config without `appKey`, as JSON-ready data. */
export interface StoredApp {
  appKey: string;
  settings: Record<string, unknown>;
  /** Grows with every write to any app (one sequence): a node compares it to see what changed. */
  version: number;
}

/** The apps table (migrations/0012_apps.sql): what every node loads its apps from. */
export interface AppStore {
  all(): Promise<StoredApp[]>;
  /** Creates or replaces the app; `created` tells which. */
  put(appKey: string, settings: Record<string, unknown>, now: number): Promise<{ created: boolean; version: number }>;
  /** Creates the app unless one of that key is stored; false when one was. */
  insertIfAbsent(appKey: string, settings: Record<string, unknown>, now: number): Promise<boolean>;
  /**
   * Replaces the app's settings with `change(current)` under a row lock, so two concurrent
   * changes never lose one another; undefined when no such app is stored. A throw from
   * `change` writes nothing.
   */
  update(appKey: string, change: (current: Record<string, unknown>) => Record<string, unknown>, now: number): Promise<StoredApp | undefined>;
  /** false when no such app was stored. */
  remove(appKey: string): Promise<boolean>;
}
