import pg from 'pg';
import type { SqlClient, SqlQueryable } from './sql.js';

// bigint columns (sequence numbers, millisecond times) stay well inside 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Migrations and other statements run through `exec` may take long: they are not cut off. */
const execTimeoutMs = 3_600_000;

/**
 * `timeoutMs` bounds a connection attempt and each query: a database that is down or frozen
 * fails a request within it (answered 1050) instead of holding it.
 */
export function createPgClient(connectionString: string, options: { poolSize?: number; timeoutMs?: number } = {}): SqlClient {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  // An idle client that loses its connection emits here; the pool replaces it.
  pool.on('error', () => undefined);
  return {
    async query<Row>(text: string, params: readonly unknown[] = [], options: { prepared?: string } = {}) {
      const result = options.prepared ? await pool.query({ name: options.prepared, text, values: params as unknown[] }) : await pool.query(text, params as unknown[]);
      return { rows: result.rows as Row[] };
    },
    async exec(text) {
      await pool.query({ text, query_timeout: execTimeoutMs } as pg.QueryConfig);
    },
    async transaction(work) {
      const client = await pool.connect();
      const tx: SqlQueryable = {
        async query<Row>(text: string, params: readonly unknown[] = []) {
          const result = await client.query(text, params as unknown[]);
          return { rows: result.rows as Row[] };
        },
        async exec(text) {
          // As exec outside a transaction: migrations run here, and may take long on large tables.
          await client.query({ text, query_timeout: execTimeoutMs } as pg.QueryConfig);
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
