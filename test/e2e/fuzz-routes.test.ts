import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBody, fromSchema, storeDigest, type JsonSchema } from '../helpers/fuzz.js';
import { signHeaders, startServer, type TestServer } from '../helpers/server.js';

/**
 * Every signed route with bodies generated from its own schema (mostly fitting, some built to
 * hurt), as JSON and as forms: never a 5xx; a 4xx writes nothing; after 2xx answers the stores
 * still hold together and the node is healthy.
 */
let t: TestServer;
const runsPerRoute = Number(process.env.FUZZ_RUNS ?? 8);

beforeAll(async () => {
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true, historyChatroom: true, multiDeviceSync: true } }] });
  const api = t.app();
  for (const userId of ['fz-a', 'fz-b', 'fz-c']) await api.post('/user/getToken.json', { userId, name: userId });
  await api.post('/group/create.json', { userId: ['fz-a', 'fz-b'], groupId: 'fz-group', groupName: 'G' });
  await api.post('/chatroom/create.json', { 'chatroom[fz-room]': 'R' });
  await api.post('/ultragroup/create.json', { userId: 'fz-a', groupId: 'fz-ultra', groupName: 'U' });
});
afterAll(() => t.close());

async function send(route: { path: string; exactPath?: boolean | undefined }, body: unknown, asJson: boolean): Promise<{ status: number; code: unknown }> {
  const { contentType, text } = encodeBody(body, asJson);
  // v1 paths are posted in their `.json` form; Nexconn's /v4 paths have none.
  const response = await fetch(`${t.baseUrl}${route.path}${route.exactPath ? '' : '.json'}`, { method: 'POST', headers: { ...signHeaders(t.app()), 'Content-Type': contentType }, body: text });
  const answer = (await response.json().catch(() => ({}))) as { code?: unknown };
  return { status: response.status, code: answer.code };
}

const digest = () => storeDigest((text) => t.deps.sql.query(text));

describe('every signed route, fuzzed from its schema', () => {
  it('never answers 5xx, writes nothing on a 4xx, and stays consistent', async () => {
    const routes = t.server.http.routeCatalog;
    expect(routes.length).toBeGreaterThan(100);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    // The digest of the stores as the last answer left them: a 4xx must find it unchanged.
    let known = await digest();
    for (const route of routes) {
      const schema = z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      await fc.assert(
        fc.asyncProperty(fromSchema(schema), fc.boolean(), async (body, asJson) => {
          const { status, code } = await send(route, body, asJson);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500) failures.push(`${route.path} ${status} ${JSON.stringify(body).slice(0, 300)}`);
          const after = await digest();
          if (status >= 400 && after !== known) failures.push(`${route.path} ${status}/${String(code)} wrote: ${JSON.stringify(body).slice(0, 300)}`);
          known = after;
          return true;
        }),
        { numRuns: runsPerRoute },
      );
    }
    expect(failures).toEqual([]);
    // The bodies reach past parsing: many are answered 200, many refused.
    expect(statuses.get(200)).toBeGreaterThan(routes.length);
    expect([...statuses.keys()].some((status) => status >= 400)).toBe(true);
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
    // What the 2xx answers wrote holds together: memberships name existing groups, private rows their two users.
    const orphans = await t.deps.sql.query('SELECT 1 FROM group_members m WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.app_key = m.app_key AND g.group_id = m.group_id)');
    expect(orphans.rows).toEqual([]);
    const badKeys = await t.deps.sql.query(
      "SELECT conversation_key FROM messages WHERE conversation_type IN (1, 6) AND conversation_key <> LEAST(from_user_id, target_id) || ':' || GREATEST(from_user_id, target_id)",
    );
    expect(badKeys.rows).toEqual([]);
  }, 120_000);
});
