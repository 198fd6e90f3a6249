import type { Engine } from '../../src/store/engine.js';
import { createMemoryEngine } from '../../src/store/engine.memory.js';
import { createRedisEngine } from '../../src/store/engine.redis.js';
import type { SqlClient } from '../../src/store/sql.js';
import { createPgClient } from '../../src/store/sql.pg.js';
import { embeddedDatabase, freshStorage, type TestStorage } from './storage.js';

export interface SharedStores {
  storage: TestStorage;
  /** For `startServer({ storage, shared })`: every node of the test on these stores. */
  shared: { sql: SqlClient; engine: Engine };
  /** Closes the stores and releases the storage, after the nodes closed. */
  close(): Promise<void>;
}

/**
 * Stores that several nodes in this process share, as the nodes of one deployment share a
 * Postgres and a Redis (on the embedded default: one database and one in-process engine).
 */
export async function sharedStores(): Promise<SharedStores> {
  const storage = await freshStorage();
  const sql = storage.databaseUrl ? createPgClient(storage.databaseUrl) : await embeddedDatabase();
  const redisTarget = storage.redisUrl ?? storage.redisCluster;
  const engine = redisTarget
    ? await createRedisEngine({ target: redisTarget, namespace: storage.redisNamespace, timeoutMs: 5_000, onConnectionError: () => undefined })
    : createMemoryEngine();
  return {
    storage,
    shared: { sql, engine },
    async close() {
      await engine.close();
      await sql.close();
      await storage.release();
    },
  };
}
