import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

describe('GET /health', () => {
  it('is 200 while the stores answer and 503 once the database is gone, without a signature', async () => {
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
    await t.deps.sql.close();
    const res = await fetch(`${t.baseUrl}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable' });
  });
});
