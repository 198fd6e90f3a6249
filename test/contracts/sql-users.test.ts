import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import type { SqlClient } from '../../src/store/sql.js';
import { createSqlDevAppStore, createSqlUserStore } from '../../src/store/users.sql.js';
import { testStores, type TestStores } from '../helpers/stores.js';

let stores: TestStores;
let sql: SqlClient;
beforeAll(async () => {
  stores = await testStores();
  sql = await stores.sql({ empty: true });
});
afterAll(() => stores.close());

describe('migration runner', () => {
  it('applies each numbered file once, in order, and records it', async () => {
    expect(await migrate(sql)).toContain('0001_users.sql');
    expect(await migrate(sql)).toEqual([]);
    const recorded = await sql.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(recorded.rows.map((r) => r.name)).toContain('0001_users.sql');
  });

  it('rolls back a failing migration and does not record it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-mig-'));
    try {
      writeFileSync(join(dir, '0001_ok.sql'), 'CREATE TABLE mig_ok (id int);');
      writeFileSync(join(dir, '0002_bad.sql'), 'CREATE TABLE mig_bad (id int); SELECT no_such_function();');
      writeFileSync(join(dir, 'notes.txt'), 'ignored');
      await expect(migrate(sql, dir)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const tables = await sql.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_name IN ('mig_ok', 'mig_bad')",
    );
    expect(tables.rows.map((r) => r.name)).toEqual(['mig_ok']);
    const recorded = await sql.query('SELECT 1 FROM schema_migrations WHERE name = $1', ['0002_bad.sql']);
    expect(recorded.rows).toHaveLength(0);
  });
});

describe('UserStore contract', () => {
  it('upserts profiles, keeps createdAt, and scopes users by app', async () => {
    const users = createSqlUserStore(sql);
    await users.upsert('A', { userId: 'u1', name: 'One', portraitUri: 'p' }, 1000);
    await users.upsert('A', { userId: 'u1', name: 'Uno', portraitUri: 'q' }, 5000);
    expect(await users.get('A', 'u1')).toEqual({ userId: 'u1', name: 'Uno', portraitUri: 'q', createdAt: 1000, tokensValidAfter: 0 });
    expect(await users.get('B', 'u1')).toBeUndefined();
  });

  it('updates only given fields and reports a missing user', async () => {
    const users = createSqlUserStore(sql);
    await users.upsert('A', { userId: 'u2', name: 'Two', portraitUri: 'p2' }, 1);
    expect(await users.update('A', 'u2', { name: 'Deux' })).toBe(true);
    expect(await users.get('A', 'u2')).toMatchObject({ name: 'Deux', portraitUri: 'p2' });
    expect(await users.update('A', 'nobody', { name: 'x' })).toBe(false);
    expect(await users.get('A', 'nobody')).toBeUndefined();
  });

  it('marks tokens invalid for existing users only, never moving the mark back', async () => {
    const users = createSqlUserStore(sql);
    await users.upsert('A', { userId: 'u3', name: '', portraitUri: '' }, 1);
    expect(await users.expireTokens('A', ['u3', 'ghost'], 9000)).toEqual(['u3']);
    await users.expireTokens('A', ['u3'], 100);
    expect((await users.get('A', 'u3'))?.tokensValidAfter).toBe(9000);
    expect(await users.expireTokens('A', [], 1)).toEqual([]);
  });

  it('keeps one development app across calls', async () => {
    const devApps = createSqlDevAppStore(sql);
    const first = await devApps.findOrCreate(() => ({ appKey: 'k1', appSecret: 's1' }));
    const second = await devApps.findOrCreate(() => ({ appKey: 'k2', appSecret: 's2' }));
    expect(first).toEqual({ appKey: 'k1', appSecret: 's1' });
    expect(second).toEqual(first);
  });
});

describe('UserStore contract: many users', () => {
  it('reads many profiles at once and pages ids in order', async () => {
    const users = createSqlUserStore(sql);
    for (const id of ['p3', 'p1', 'p2']) await users.upsert('P', { userId: id, name: id.toUpperCase(), portraitUri: '' }, 1);
    const many = await users.getMany('P', ['p1', 'p3', 'ghost']);
    expect([...many.keys()].sort()).toEqual(['p1', 'p3']);
    expect(many.get('p3')?.name).toBe('P3');
    expect(await users.listIds('P', '', 2)).toEqual(['p1', 'p2']);
    expect(await users.listIds('P', 'p2', 2)).toEqual(['p3']);
    expect(await users.listIds('other-app', '', 10)).toEqual([]);
  });
});
