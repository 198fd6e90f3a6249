/**
 * The relational seam: one SQL dialect (Postgres) spoken by two drivers, `pg` against
 * a server (sql.pg.ts) and PGlite in-process (sql.pglite.ts). Repositories are written
 * once against this interface, so both drivers run the same migrations and queries.
 */
export interface SqlClient {
  /**
   * One parameterised statement ($1, $2 …). `prepared` names a statement run very often
   * with the same text (the push worker's, once per pass): Postgres then prepares it once per
   * connection and stops planning it anew each time; PGlite ignores it.
   */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: { prepared?: string }): Promise<{ rows: Row[] }>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * Runs `work` inside one transaction on one connection: committed when it resolves,
   * rolled back when it throws (and the error rethrown).
   */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type SqlQueryable = Pick<SqlClient, 'query' | 'exec'>;
