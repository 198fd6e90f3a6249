import pg from 'pg';
import type { SqlClient, SqlQueryable } from './sql.js';

// bigint columns (sequence numbers, millisecond times) stay well inside 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function createPgClient(connectionString: string, poolSize = 10): SqlClient {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client that loses its connection emits here; the pool replaces it.
  pool.on('error', () => undefined);
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await pool.query(text, params as unknown[]);
      return { rows: result.rows as Row[] };
    },
    async exec(text) {
      await pool.query(text);
    },
    async transaction(work) {
      const client = await pool.connect();
      const tx: SqlQueryable = {
        async query<Row>(text: string, params: readonly unknown[] = []) {
          const result = await client.query(text, params as unknown[]);
          return { rows: result.rows as Row[] };
        },
        async exec(text) {
          await client.query(text);
        },
      };
      try {
        await client.query('BEGIN');
        const value = await work(tx);
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
