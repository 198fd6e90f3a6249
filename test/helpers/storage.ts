import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { createRedisClient, type RedisClient, type RedisClusterTarget } from '../../src/store/redis-client.js';
import type { SqlClient } from '../../src/store/sql.js';
import { createPgliteClient } from '../../src/store/sql.pglite.js';

export type StorageMode = 'embedded' | 'services';

/** Which storage this test run uses; set per vitest project (vitest.config.ts). */
export const storageMode: StorageMode = process.env.PARLEY_TEST_STORAGE === 'services' ? 'services' : 'embedded';

/**
 * On services, whether Redis is the single server (REDIS_URL) or the run's Redis Cluster
 * (test/helpers/global-setup.ts; the `services-cluster` project of vitest.config.ts).
 */
export const onRedisCluster = storageMode === 'services' && process.env.PARLEY_TEST_REDIS === 'cluster';

export interface TestStorage {
  databaseUrl: string | undefined;
  /** The single Redis (unset on the cluster and embedded). */
  redisUrl: string | undefined;
  /** The Redis Cluster (set on `services-cluster` only). */
  redisCluster: RedisClusterTarget | undefined;
  redisNamespace: string;
  release(): Promise<void>;
}

/** A client of the storage's Redis, single or cluster (callers quit it). */
export function testRedis(storage: TestStorage): RedisClient {
  return createRedisClient(storage.redisUrl ?? storage.redisCluster!, { timeoutMs: 10_000 });
}

/**
 * Fresh storage for one test file: on services, a new Postgres database and a leased
 * Redis db (flushed), so files run in parallel; embedded, in-memory PGlite and the
 * in-process engine.
 */
export async function freshStorage(): Promise<TestStorage> {
  if (storageMode === 'embedded') {
    return { databaseUrl: undefined, redisUrl: undefined, redisCluster: undefined, redisNamespace: 'parley-test', release: async () => {} };
  }
  if (onRedisCluster) {
    // The cluster has one database, shared by the run's files: each file keys under a namespace of its own.
    const databaseUrl = await createDatabase(requireEnv('DATABASE_URL'));
    return { databaseUrl: databaseUrl.url, redisUrl: undefined, redisCluster: loadConfig({ REDIS_CLUSTER_NODES: requireEnv('PARLEY_TEST_REDIS_CLUSTER') }).redisCluster, redisNamespace: `parley-test-${randomBytes(6).toString('hex')}`, release: () => databaseUrl.drop() };
  }
  return serviceStorage(requireEnv('DATABASE_URL'), requireEnv('REDIS_URL'));
}

/**
 * A new Postgres database on `postgresUrl`'s server and a leased, flushed Redis db on
 * `redisUrl`'s server, released together. Shared by tests and benchmarks so that they
 * never flush each other's data.
 */
export async function serviceStorage(postgresUrl: string, redisUrl: string): Promise<TestStorage> {
  const databaseUrl = await createDatabase(postgresUrl);
  const redis = await leaseRedisDb(redisUrl);
  return {
    databaseUrl: databaseUrl.url,
    redisUrl: redis.url,
    redisCluster: undefined,
    redisNamespace: `parley-test-${redis.db}`,
    async release() {
      await redis.release();
      await databaseUrl.drop();
    },
  };
}

/**
 * A new in-memory embedded database, started from the run's migrated snapshot
 * (test/helpers/global-setup.ts) when there is one, which is much faster than a new one;
 * `empty` asks for one with nothing applied (for the migration runner's own tests).
 */
export async function embeddedDatabase(options: { empty?: boolean } = {}): Promise<SqlClient> {
  const snapshot = options.empty ? undefined : process.env.PARLEY_TEST_PGLITE_SNAPSHOT;
  return createPgliteClient(':memory:', snapshot ? { from: new Blob([readFileSync(snapshot)]) } : {});
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set for the services test project`);
  return value;
}

async function createDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

const leaseTtlSeconds = 900;

/** Leases one of Redis dbs 1–15 (db 0 holds the leases) and flushes it. */
async function leaseRedisDb(serverUrl: string): Promise<{ url: string; db: number; release(): Promise<void> }> {
  const control = new Redis(serverUrl, { db: 0 });
  const owner = randomBytes(8).toString('hex');
  try {
    for (let attempt = 0; attempt < 600; attempt++) {
      for (let db = 1; db <= 15; db++) {
        if ((await control.set(`parley-test-lease:${db}`, owner, 'EX', leaseTtlSeconds, 'NX')) === 'OK') {
          const dbClient = new Redis(serverUrl, { db });
          await dbClient.flushdb();
          await dbClient.quit();
          const url = new URL(serverUrl);
          url.pathname = `/${db}`;
          return {
            url: url.toString(),
            db,
            async release() {
              if ((await control.get(`parley-test-lease:${db}`)) === owner) await control.del(`parley-test-lease:${db}`);
              await control.quit();
            },
          };
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no free Redis db for this test file');
  } catch (err) {
    await control.quit();
    throw err;
  }
}
