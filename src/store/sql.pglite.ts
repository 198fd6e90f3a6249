import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import type { SqlClient } from './sql.js';

/** A lock not refreshed for this long belongs to a process that died: it may be taken over. */
export const dataDirLockStaleMs = 10_000;

/** Another live process holds the data folder. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/**
 * Embedded Postgres. `dataDir` of ':memory:' keeps nothing; any other value is a
 * folder that holds the database files, used by one process at a time: the folder is
 * locked (`parley.lock`, refreshed every few seconds) for the client's life, and a second
 * process asking for it gets DataDirInUseError before opening anything.
 */
/**
 * The files of an in-memory database, to start others from (`createPgliteClient(':memory:',
 * { from })`): much faster than initialising an empty cluster and migrating it again.
 */
export async function snapshotPglite(build: (sql: SqlClient) => Promise<unknown>): Promise<Blob> {
  const db = await PGlite.create();
  try {
    await build(clientOf(db));
    return await db.dumpDataDir('none');
  } finally {
    await db.close();
  }
}

export async function createPgliteClient(dataDir: string, options: { from?: Blob } = {}): Promise<SqlClient> {
  let unlock = async () => {};
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    unlock = await lockDataDir(dataDir);
  }
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir === ':memory:' ? undefined : dataDir, {
      // Same bigint handling as the pg driver: plain numbers.
      parsers: { [types.INT8]: (value: string) => Number(value) },
      // A database to start from (`snapshotPglite`), instead of an empty cluster to initialise.
      ...(options.from && { loadDataDir: options.from }),
    });
  } catch (err) {
    await unlock();
    throw err;
  }
  const client = clientOf(db);
  return {
    ...client,
    async close() {
      try {
        await client.close();
      } finally {
        await unlock();
      }
    },
  };
}

/** The SqlClient of an open database (closing it closes the database). */
function clientOf(db: PGlite): SqlClient {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await db.query<Row>(text, params as unknown[]);
      return { rows: result.rows };
    },
    async exec(text) {
      await db.exec(text);
    },
    async transaction(work) {
      return db.transaction((tx) =>
        work({
          async query<Row>(text: string, params: readonly unknown[] = []) {
            const result = await tx.query<Row>(text, params as unknown[]);
            return { rows: result.rows };
          },
          async exec(text) {
            await tx.exec(text);
          },
        }),
      );
    },
    async ping() {
      await db.query('SELECT 1');
    },
    /** Closing twice is harmless (a test may close the store under a running server). */
    async close() {
      if (!db.closed) await db.close();
    },
  };
}

async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, 'parley.lock');
  try {
    // A lost lock (the refresh failed, or a stall let another process take it) must stop
    // this process: two writers on one folder lose acknowledged writes.
    const release = await lockfile.lock(dataDir, { lockfilePath: lockPath, stale: dataDirLockStaleMs, retries: 0, onCompromised: (err) => { throw err; } });
    return () => release().catch(() => undefined);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ELOCKED') throw err;
    throw new DataDirInUseError(
      `DATA_DIR ${dataDir} is in use by another Parley process (lock ${lockPath}): an embedded data folder serves one process. ` +
        `Stop the other one, give this one its own DATA_DIR, or run several nodes on DATABASE_URL and REDIS_URL. ` +
        `A lock left by a process that died is taken over ${dataDirLockStaleMs / 1000} s after it stopped.`,
    );
  }
}
