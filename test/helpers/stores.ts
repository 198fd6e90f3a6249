import { systemClock, type Clock } from '../../src/model/clock.js';
import type { Bus } from '../../src/store/bus.js';
import { createMemoryBus } from '../../src/store/bus.memory.js';
import { createRedisBus } from '../../src/store/bus.redis.js';
import type { Presence } from '../../src/store/presence.js';
import { createMemoryPresence } from '../../src/store/presence.memory.js';
import { createRedisPresence } from '../../src/store/presence.redis.js';
import type { SqlClient } from '../../src/store/sql.js';
import { createPgClient } from '../../src/store/sql.pg.js';
import { embeddedDatabase, freshStorage, onRedisCluster, storageMode, testRedis, type TestStorage } from './storage.js';

/**
 * The store implementations of the current storage mode, on fresh storage: the
 * factory the contract suites run against (memory/PGlite embedded, Redis/Postgres on services).
 */
export interface TestStores {
  name: string;
  storage: TestStorage;
  sql(options?: { empty?: boolean }): Promise<SqlClient>;
  presence(clock?: Clock): Presence;
  /** A bus plus a second one sharing its transport, as two nodes would. */
  buses(): [Bus, Bus];
  close(): Promise<void>;
}

export async function testStores(): Promise<TestStores> {
  const storage = await freshStorage();
  const closers: Array<() => Promise<unknown>> = [];
  const redis = () => {
    const client = testRedis(storage);
    closers.push(() => client.quit());
    return client;
  };
  const memoryBus = createMemoryBus();
  return {
    name: storageMode === 'services' ? `postgres+redis${onRedisCluster ? ' cluster' : ''}` : 'pglite+memory',
    storage,
    /** The file's database; `empty`: with no migration applied yet (the services one always starts so). */
    async sql(options: { empty?: boolean } = {}) {
      const sql = storage.databaseUrl ? createPgClient(storage.databaseUrl) : await embeddedDatabase(options);
      closers.push(() => sql.close());
      return sql;
    },
    presence(clock = systemClock) {
      return storageMode === 'services' ? createRedisPresence(redis(), storage.redisNamespace) : createMemoryPresence(clock);
    },
    buses() {
      if (storageMode !== 'services') return [memoryBus, memoryBus];
      const node = () => {
        const publisher = redis();
        // A cluster client subscribes on connections of its own (sharded subscribers).
        return createRedisBus(publisher, onRedisCluster ? publisher : redis(), storage.redisNamespace);
      };
      return [node(), node()];
    },
    async close() {
      for (const close of closers.reverse()) await close();
      await storage.release();
    },
  };
}
