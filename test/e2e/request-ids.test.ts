import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHeaders, startServer, type TestServer } from '../helpers/server.js';

/** Two nodes of one deployment (each its own server and node id), both logging to `logs`. */
const logs: Array<Record<string, unknown>> = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  a = await startServer({ logger });
  b = await startServer({ logger });
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const checkOnline = (t: TestServer, extra: Record<string, string> = {}) =>
  fetch(`${t.baseUrl}/user/checkOnline.json`, {
    method: 'POST',
    headers: { ...signHeaders(t.app()), 'Content-Type': 'application/x-www-form-urlencoded', ...extra },
    body: 'userId=rid-user',
  });

describe('request ids', () => {
  it('every answer carries one, unique across nodes, and the node logs the request under it with the app key', async () => {
    const ids = await Promise.all([a, a, b, b].map(async (t) => (await checkOnline(t)).headers.get('x-request-id')));
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^\S+#[0-9a-f]+-[0-9a-z]+$/);
    const completed = logs.filter((l) => l.reqId === ids[0] && l.msg === 'request completed');
    expect(completed).toEqual([expect.objectContaining({ appKey: a.app().appKey })]);
  });

  it('echoes a caller\'s own id when it is a plain token, and replaces one that could break a log line', async () => {
    expect((await checkOnline(a, { 'X-Request-Id': 'backend-trace.42' })).headers.get('x-request-id')).toBe('backend-trace.42');
    for (const bad of ['has space', 'x'.repeat(129), 'quote"d']) {
      const id = (await checkOnline(a, { 'X-Request-Id': bad })).headers.get('x-request-id');
      expect(id).not.toBe(bad);
      expect(id).toMatch(/#[0-9a-f]+-[0-9a-z]+$/);
    }
  });

  it('health probes answer with an id but are not logged at info', async () => {
    const before = logs.length;
    const health = await fetch(`${a.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBeTruthy();
    await checkOnline(a);
    const urls = logs.slice(before).map((l) => (l.req as { url?: string } | undefined)?.url).filter(Boolean);
    expect(urls).toEqual(['/user/checkOnline.json']);
  });
});
