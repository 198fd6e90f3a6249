import { randomBytes } from 'node:crypto';
import { appSchema, describeIssues } from '../config.js';
import { ParleyError } from '../errors.js';
import type { Clock } from '../model/clock.js';
import type { AppStore, StoredApp } from '../store/apps.js';
import type { App, AppChanges, AppRegistry, VersionedApp } from './apps.js';
import { mergePatch } from './merge-patch.js';
import type { NodeEvents } from './node-events.js';

/**
 * How often a node re-reads the apps whatever it heard: a node that missed a change's node
 * event (the bus is at most once) still has it within this long.
 */
export const appsPollMs = 5_000;

/** An app's settings as stored: its config without the key. */
type Settings = Record<string, unknown>;

const settingsOf = ({ appKey: _appKey, ...settings }: App): Settings => settings;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Validates like the boot does (config.ts appSchema); bad input is 1002 naming the field. */
function validate(appKey: string, settings: unknown): App {
  if (!isObject(settings)) throw new ParleyError('badParameter', 'body: a JSON object of the app\'s settings');
  if ('appKey' in settings) throw new ParleyError('badParameter', 'appKey: given in the path, not in the body');
  const parsed = appSchema.safeParse({ ...settings, appKey });
  if (!parsed.success) throw new ParleyError('badParameter', describeIssues(parsed.error));
  return parsed.data;
}

/**
 * Apps as live settings (docs/admin.md): stored in the database, loaded by every node into
 * its AppRegistry, changed by the admin API. A change is written, applied on this node,
 * then announced to the others (a node event), which re-read the apps from the store; a
 * node that misses the announcement has the change at its next check (`appsPollMs`) or when
 * Redis comes back. Each reload swaps whole app objects, so nothing is half-applied.
 */
export class AppSettings {
  private readonly listeners: Array<(changes: AppChanges) => void> = [];
  private timer: NodeJS.Timeout | undefined;
  /** A reload not started yet: callers arriving meanwhile share it. */
  private queued: Promise<void> | undefined;
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: AppStore,
    private readonly registry: AppRegistry,
    private readonly nodeEvents: NodeEvents,
    private readonly clock: Clock,
    private readonly onError: (err: unknown, what: string) => void,
  ) {
    nodeEvents.on('apps-changed', () => this.refreshInBackground());
  }

  /** Told of every reload that changed something (after the registry holds it). */
  onChange(listener: (changes: AppChanges) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Boot: the configured apps (IM_APPS, IM_APPS_FILE) replace what is stored of them; an
   * app stored as configured already is left alone, so that restarts change nothing.
   */
  async seed(apps: readonly App[]): Promise<void> {
    const stored = new Map((await this.store.all()).map((row) => [row.appKey, JSON.stringify(row.settings)]));
    const differing = apps.filter((app) => stored.get(app.appKey) !== JSON.stringify(settingsOf(app)));
    for (const app of differing) await this.store.put(app.appKey, settingsOf(app), this.clock.now());
    if (differing.length > 0) await this.announce(differing[0]!.appKey);
  }

  /** The development app's first start: stored with `app`'s settings unless stored already. */
  async seedIfAbsent(app: App): Promise<void> {
    await this.store.insertIfAbsent(app.appKey, settingsOf(app), this.clock.now());
  }

  /** Creates the app with `settings` (validated whole); an app of that key stays as it is, and this is 1002. */
  async create(appKey: string, settings: unknown): Promise<App> {
    const app = validate(appKey, settings);
    if (!(await this.store.insertIfAbsent(appKey, settingsOf(app), this.clock.now()))) {
      throw new ParleyError('badParameter', `appKey: an app ${appKey} exists already`);
    }
    await this.changed(appKey);
    return app;
  }

  /** A new random app secret (create, rotate). */
  static newSecret(): string {
    return randomBytes(16).toString('hex');
  }

  /** Reads the apps from the store into the registry; resolves once a read begun after the call is applied. */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.last
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.load();
      });
    this.queued = next;
    this.last = next;
    return next;
  }

  start(pollMs = appsPollMs): void {
    this.timer = setInterval(() => this.refreshInBackground(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  refreshInBackground(): void {
    this.refresh().catch((err: unknown) => this.onError(err, 'could not re-read the apps; the next check retries'));
  }

  /** Every stored app, as the store has it now (not this node's copy: a read after a write elsewhere sees it). */
  async list(): Promise<VersionedApp[]> {
    const loaded: VersionedApp[] = [];
    for (const row of await this.store.all()) {
      const app = this.read(row);
      if (app) loaded.push(app);
    }
    return loaded;
  }

  async get(appKey: string): Promise<VersionedApp> {
    const found = (await this.list()).find((entry) => entry.app.appKey === appKey);
    if (!found) throw unknownApp(appKey);
    return found;
  }

  /** Creates or replaces the app with `settings` (validated whole). */
  async put(appKey: string, settings: unknown): Promise<{ app: VersionedApp; created: boolean }> {
    const app = validate(appKey, settings);
    const { created, version } = await this.store.put(appKey, settingsOf(app), this.clock.now());
    await this.changed(appKey);
    return { app: { app, version }, created };
  }

  /** Merges `patch` into the stored settings (RFC 7396); the result is validated whole. */
  async patch(appKey: string, patch: unknown): Promise<VersionedApp> {
    if (!isObject(patch)) throw new ParleyError('badParameter', 'body: a JSON object of the settings to change');
    return this.update(appKey, (current) => mergePatch(current, patch));
  }

  /** A new random secret: signatures and user tokens made with the old one stop working. */
  async rotateSecret(appKey: string): Promise<string> {
    const appSecret = AppSettings.newSecret();
    await this.update(appKey, (current) => ({ ...current, appSecret }));
    return appSecret;
  }

  async remove(appKey: string): Promise<void> {
    if (!(await this.store.remove(appKey))) throw unknownApp(appKey);
    await this.changed(appKey);
  }

  private async update(appKey: string, change: (current: Settings) => unknown): Promise<VersionedApp> {
    const updated = await this.store.update(appKey, (current) => settingsOf(validate(appKey, change(current))), this.clock.now());
    if (!updated) throw unknownApp(appKey);
    await this.changed(appKey);
    return { app: validate(appKey, updated.settings), version: updated.version };
  }

  /** Written: in effect on this node before the answer, on the others once they hear of it. */
  private async changed(appKey: string): Promise<void> {
    await this.refresh();
    await this.announce(appKey);
  }

  private async announce(appKey: string): Promise<void> {
    // The change is stored: a node that does not hear of it has it at its next check.
    await this.nodeEvents.toOthers({ type: 'apps-changed', appKey }).catch((err: unknown) => this.onError(err, 'could not tell the other nodes of an app change; they have it within seconds'));
  }

  private async load(): Promise<void> {
    const loaded: VersionedApp[] = [];
    for (const row of await this.store.all()) {
      // A row this release no longer reads keeps the copy this node has (and is reported).
      const app = this.read(row) ?? this.registry.entry(row.appKey);
      if (app) loaded.push(app);
    }
    const changes = this.registry.swap(loaded);
    if (changes.changed.length === 0 && changes.removed.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch (err) {
        this.onError(err, 'acting on an app change failed');
      }
    }
  }

  private read(row: StoredApp): VersionedApp | undefined {
    const parsed = appSchema.safeParse({ ...row.settings, appKey: row.appKey });
    if (parsed.success) return { app: parsed.data, version: row.version };
    this.onError(new Error(describeIssues(parsed.error)), `the stored app ${row.appKey} is not valid; it is left out`);
    return undefined;
  }
}

const unknownApp = (appKey: string) => new ParleyError('notFound', `no app ${appKey}`);
