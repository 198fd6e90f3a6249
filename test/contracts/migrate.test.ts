import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { createPgClient } from '../../src/store/sql.pg.js';
import { storageMode } from '../helpers/storage.js';
import { testStores, type TestStores } from '../helpers/stores.js';

/** Nodes starting together on one fresh database (PGlite is one process's own, so services only). */
let stores: TestStores;
beforeAll(async () => {
  stores = await testStores();
});
afterAll(() => stores.close());

it.skipIf(storageMode === 'embedded')('three nodes migrating one fresh database at once apply each migration once, without error', async () => {
  const clients = await Promise.all([stores.sql(), stores.sql(), stores.sql()]);
  const applied = await Promise.all(clients.map((sql) => migrate(sql)));
  const all = applied.flat();
  expect(all.length).toBeGreaterThan(0);
  expect(new Set(all).size).toBe(all.length);
  const { rows } = await clients[0].query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
  expect(rows.map((r) => r.name)).toEqual([...all].sort());
});

it.skipIf(storageMode === 'embedded')('a migration statement may run past the store timeout that bounds queries (large tables take long)', async () => {
  const sql = createPgClient(stores.storage.databaseUrl!, { timeoutMs: 200 });
  try {
    await sql.transaction((tx) => tx.exec('SELECT pg_sleep(0.4)'));
    await expect(sql.transaction((tx) => tx.query('SELECT pg_sleep(0.4)'))).rejects.toThrow(/timeout/i);
  } finally {
    await sql.close();
  }
});
