import { LRUCache } from 'lru-cache';
import type { Clock } from '../model/clock.js';

export interface NodeCacheOptions {
  /** How long an entry is trusted: the bound on staleness when another node's change notice is lost. */
  ttlMs: number;
  /** Entries kept at most; the least recently used go first. */
  max: number;
}

/**
 * What one node keeps of shared data it reads on every send (group members, ultra group
 * audiences, users' relations, sender profiles, word lists):
 * - entries expire after `ttlMs` and at most `max` are kept (lru-cache);
 * - concurrent misses of one key share a single load;
 * - `forget` drops keys at once (a change here, or another node's notice), and a load that
 *   was running while anything was forgotten is returned to its callers but not kept, so a
 *   read that raced a change never outlives it.
 */
export class NodeCache<V extends object> {
  private readonly entries: LRUCache<string, V>;
  private readonly loading = new Map<string, Promise<V>>();
  /** Bumped by every forget: a load that started before is not kept. */
  private changes = 0;

  /** Ages are measured on `clock` (the injected one, so tests can move time). */
  constructor(options: NodeCacheOptions, clock: Clock) {
    this.entries = new LRUCache<string, V>({ max: options.max, ttl: options.ttlMs, ttlResolution: 0, perf: { now: () => clock.now() } });
  }

  /** The cached value of `key`, or `load()`'s (one load for concurrent callers). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const running = this.loading.get(key);
    if (running) return running;
    const changesBefore = this.changes;
    const loaded = load().then(
      (value) => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
        if (changesBefore === this.changes) this.entries.set(key, value);
        return value;
      },
      (err: unknown) => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
        throw err;
      },
    );
    this.loading.set(key, loaded);
    return loaded;
  }

  /**
   * The values of many keys: hits from the cache, every other key in one `loadMissing` call
   * (keys another caller is already loading are awaited, not loaded twice). `loadMissing`
   * must return a value for each key it is given.
   */
  async getMany(keys: readonly string[], loadMissing: (keys: string[]) => Promise<ReadonlyMap<string, V>>): Promise<Map<string, V>> {
    const found = new Map<string, V>();
    const waiting: Array<Promise<void>> = [];
    const missing: string[] = [];
    for (const key of keys) {
      const hit = this.entries.get(key);
      if (hit !== undefined) found.set(key, hit);
      else if (this.loading.has(key)) waiting.push(this.loading.get(key)!.then((value) => void found.set(key, value)));
      else missing.push(key);
    }
    if (missing.length > 0) {
      const batch = loadMissing(missing);
      for (const key of missing) {
        waiting.push(
          this.get(key, async () => {
            const value = (await batch).get(key);
            if (value === undefined) throw new Error(`NodeCache: the batch load gave no value for ${key}`);
            return value;
          }).then((value) => void found.set(key, value)),
        );
      }
    }
    await Promise.all(waiting);
    return found;
  }

  /** Drops these keys now; loads in flight are not kept. */
  forget(keys: Iterable<string>): void {
    this.changes++;
    for (const key of keys) {
      this.entries.delete(key);
      this.loading.delete(key);
    }
  }

  /** Drops every key that starts with `prefix` (everything cached of one app, say). */
  forgetPrefix(prefix: string): void {
    this.forget([...this.entries.keys()].filter((key) => key.startsWith(prefix)));
  }
}

/** The key of one app's entry: app keys and ids never hold NUL, so the pair is unambiguous. */
export const cacheKey = (...parts: string[]): string => parts.join('\u0000');
