import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/store/migrate.js';
import { snapshotPglite } from '../../src/store/sql.pglite.js';

/**
 * Once per test run: an embedded database with every migration applied, written to a file
 * that each test file's embedded database starts from (test/helpers/storage.ts
 * `embeddedDatabase`), instead of initialising and migrating one of its own.
 */
export default async function setup(): Promise<() => void> {
  const file = join(tmpdir(), `parley-pglite-${process.pid}.tar`);
  const snapshot = await snapshotPglite((sql) => migrate(sql));
  writeFileSync(file, Buffer.from(await snapshot.arrayBuffer()));
  process.env.PARLEY_TEST_PGLITE_SNAPSHOT = file;
  return () => rmSync(file, { force: true });
}
