import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, migrationsDir } from '../../src/store/migrate.js';
import type { SqlClient } from '../../src/store/sql.js';

/** Applies the migrations numbered before `number` ("0007"): the schema a migration's test starts from. */
export async function migrateBefore(sql: SqlClient, number: string): Promise<void> {
  const before = mkdtempSync(join(tmpdir(), 'parley-migrations-'));
  try {
    for (const name of readdirSync(migrationsDir).filter((n) => n < number)) cpSync(join(migrationsDir, name), join(before, name));
    await migrate(sql, before);
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
}
