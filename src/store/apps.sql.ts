import type { AppStore, StoredApp } from './apps.js';
import type { SqlClient } from './sql.js';

interface AppRow {
  app_key: string;
  settings: string;
  version: string | number;
}

const toStored = (row: AppRow): StoredApp => ({ appKey: row.app_key, settings: JSON.parse(row.settings) as Record<string, unknown>, version: Number(row.version) });

export function createSqlAppStore(sql: SqlClient): AppStore {
  return {
    async all() {
      const result = await sql.query<AppRow>('SELECT app_key, settings, version FROM apps ORDER BY app_key');
      return result.rows.map(toStored);
    },

    async put(appKey, settings, now) {
      // xmax is 0 on a freshly inserted row and set on an updated one.
      const result = await sql.query<{ version: string | number; created: boolean }>(
        `INSERT INTO apps (app_key, settings, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (app_key) DO UPDATE SET settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at, version = nextval('app_versions')
         RETURNING version, (xmax = 0) AS created`,
        [appKey, JSON.stringify(settings), now],
      );
      const row = result.rows[0]!;
      return { created: row.created, version: Number(row.version) };
    },

    async insertIfAbsent(appKey, settings, now) {
      const inserted = await sql.query('INSERT INTO apps (app_key, settings, updated_at) VALUES ($1, $2, $3) ON CONFLICT (app_key) DO NOTHING RETURNING app_key', [appKey, JSON.stringify(settings), now]);
      return inserted.rows.length > 0;
    },

    update(appKey, change, now) {
      return sql.transaction(async (tx) => {
        const current = await tx.query<AppRow>('SELECT app_key, settings, version FROM apps WHERE app_key = $1 FOR UPDATE', [appKey]);
        const row = current.rows[0];
        if (!row) return undefined;
        const settings = change(toStored(row).settings);
        const updated = await tx.query<AppRow>(
          `UPDATE apps SET settings = $2, updated_at = $3, version = nextval('app_versions') WHERE app_key = $1
           RETURNING app_key, settings, version`,
          [appKey, JSON.stringify(settings), now],
        );
        return toStored(updated.rows[0]!);
      });
    },

    async remove(appKey) {
      const result = await sql.query('DELETE FROM apps WHERE app_key = $1 RETURNING app_key', [appKey]);
      return result.rows.length > 0;
    },
  };
}
