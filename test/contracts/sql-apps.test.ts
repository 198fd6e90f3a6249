import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppStore } from '../../src/store/apps.js';
import { createSqlAppStore } from '../../src/store/apps.sql.js';
import { migrate } from '../../src/store/migrate.js';
import { testStores, type TestStores } from '../helpers/stores.js';

/** The apps table (migration 0012) on PGlite and on Postgres: what every node loads its apps from. */
let stores: TestStores;
let apps: AppStore;
beforeAll(async () => {
  stores = await testStores();
  const sql = await stores.sql();
  await migrate(sql);
  apps = createSqlAppStore(sql);
});
afterAll(() => stores.close());

describe('app store', () => {
  it('creates, then replaces: each write a higher version', async () => {
    const created = await apps.put('one', { appSecret: 's1', features: { multiDeviceSync: true } }, 1);
    expect(created.created).toBe(true);
    const replaced = await apps.put('one', { appSecret: 's2' }, 2);
    expect(replaced).toEqual({ created: false, version: expect.any(Number) });
    expect(replaced.version).toBeGreaterThan(created.version);
    expect(await apps.all()).toContainEqual({ appKey: 'one', settings: { appSecret: 's2' }, version: replaced.version });
  });

  it('inserts if absent only', async () => {
    expect(await apps.insertIfAbsent('two', { appSecret: 'first' }, 1)).toBe(true);
    expect(await apps.insertIfAbsent('two', { appSecret: 'second' }, 2)).toBe(false);
    expect((await apps.all()).find((a) => a.appKey === 'two')?.settings).toEqual({ appSecret: 'first' });
  });

  it('updates under a row lock: concurrent changes both land; a throwing change writes nothing; an unknown key is undefined', async () => {
    await apps.put('three', { appSecret: 's', count: 0 }, 1);
    const increment = (current: Record<string, unknown>) => ({ ...current, count: Number(current.count) + 1 });
    await Promise.all(Array.from({ length: 5 }, () => apps.update('three', increment, 2)));
    const before = (await apps.all()).find((a) => a.appKey === 'three')!;
    expect(before.settings.count).toBe(5);
    await expect(apps.update('three', () => { throw new Error('refused'); }, 3)).rejects.toThrow('refused');
    expect((await apps.all()).find((a) => a.appKey === 'three')).toEqual(before);
    expect(await apps.update('no-such-app', increment, 4)).toBeUndefined();
  });

  it('removes, telling whether there was one', async () => {
    await apps.put('four', { appSecret: 's' }, 1);
    expect(await apps.remove('four')).toBe(true);
    expect(await apps.remove('four')).toBe(false);
    expect((await apps.all()).map((a) => a.appKey)).not.toContain('four');
  });
});
