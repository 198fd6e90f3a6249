import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationsDir } from '../../src/store/migrate.js';
import type { SqlClient } from '../../src/store/sql.js';
import { testStores, type TestStores } from '../helpers/stores.js';

/** Migration 0007 on a database that already holds history: what it back-fills. */
let stores: TestStores;
let sql: SqlClient;

beforeAll(async () => {
  stores = await testStores();
  sql = await stores.sql({ empty: true });
  // The schema as it was before 0007.
  const before = mkdtempSync(join(tmpdir(), 'parley-migrations-'));
  try {
    for (const name of readdirSync(migrationsDir).filter((n) => n < '0007')) cpSync(join(migrationsDir, name), join(before, name));
    await migrate(sql, before);
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
  const row = (uid: string, type: number, key: string, from: string, to: string, objectName: string, sentTime: number, senderVisible: boolean) =>
    sql.query(
      `INSERT INTO messages (app_key, conversation_type, conversation_key, bus_channel, sent_time, message_uid, from_user_id, target_id, object_name, content, sender_visible)
       VALUES ('A', $1, $2, '', $3, $4, $5, $6, $7, '{}', $8)`,
      [type, key, sentTime, uid, from, to, objectName, senderVisible],
    );
  await row('M1', 1, 'a:b', 'a', 'b', 'RC:TxtMsg', 100, true);
  await row('M2', 1, 'a:b', 'b', 'a', 'RC:TxtMsg', 200, true);
  await row('M3', 1, 'a:c', 'a', 'c', 'RC:InfoNtf', 300, false);
  await row('M4', 3, 'g', 'a', 'g', 'RC:GrpNtf', 400, true);
  expect(await migrate(sql)).toContain('0007_history_state.sql');
});
afterAll(() => stores.close());

describe('migration 0007', () => {
  it('records each side\'s private conversations, the sender read up to its last send, hidden sends not for the sender', async () => {
    const { rows } = await sql.query<{ user_id: string; conversation_type: number; target_id: string; read_time: number }>(
      'SELECT user_id, conversation_type, target_id, read_time FROM conversation_states ORDER BY user_id, conversation_type, target_id',
    );
    expect(rows.map((r) => [r.user_id, r.conversation_type, r.target_id, Number(r.read_time)])).toEqual([
      ['a', 1, 'b', 100],
      ['a', 3, 'g', 400],
      ['b', 1, 'a', 200],
      ['c', 1, 'a', 0],
    ]);
  });

  it('marks notification types as not counted', async () => {
    const { rows } = await sql.query<{ message_uid: string; counted: boolean }>('SELECT message_uid, counted FROM messages ORDER BY message_uid');
    expect(rows).toEqual([
      { message_uid: 'M1', counted: true },
      { message_uid: 'M2', counted: true },
      { message_uid: 'M3', counted: false },
      { message_uid: 'M4', counted: false },
    ]);
  });
});
