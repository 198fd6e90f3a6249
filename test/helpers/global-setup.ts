import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/store/migrate.js';
import { snapshotPglite } from '../../src/store/sql.pglite.js';
import { startRedisCluster } from './redis-cluster.js';

/**
 * Once per test run: an embedded database with every migration applied, written to a file
 * that each test file's embedded database starts from (test/helpers/storage.ts
 * `embeddedDatabase`), instead of initialising and migrating one of its own; and with the
 * services, a local Redis Cluster that the `services-cluster` project's files share.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const file = join(tmpdir(), `parley-pglite-${process.pid}.tar`);
  const [snapshot, cluster] = await Promise.all([
    snapshotPglite((sql) => migrate(sql)),
    process.env.DATABASE_URL && process.env.REDIS_URL ? startRedisCluster() : undefined,
  ]);
  writeFileSync(file, Buffer.from(await snapshot.arrayBuffer()));
  process.env.PARLEY_TEST_PGLITE_SNAPSHOT = file;
  if (cluster) process.env.PARLEY_TEST_REDIS_CLUSTER = cluster.nodes;
  return async () => {
    rmSync(file, { force: true });
    await cluster?.close();
  };
}
