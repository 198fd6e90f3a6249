import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { SqlClient } from './sql.js';

/**
 * Embedded Postgres. `dataDir` of ':memory:' keeps nothing; any other value is a
 * folder that holds the database files. Single process only.
 */
export async function createPgliteClient(dataDir: string): Promise<SqlClient> {
  if (dataDir !== ':memory:') mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir === ':memory:' ? undefined : dataDir, {
    // Same bigint handling as the pg driver: plain numbers.
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
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
    async close() {
      await db.close();
    },
  };
}
