import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audiencePageSize } from '../../src/core/push/audience-push.js';
import { FakeApns } from '../helpers/fake-apns.js';
import { pushKeys } from '../helpers/fake-push.js';
import { startServer, type FormBody, type TestApp, type TestServer } from '../helpers/server.js';

/**
 * A push to an audience is paged in the background as a durable job, like
 * `/message/broadcast` (docs/push.md "Endpoints"): answered once its job is recorded, every
 * device of the audience pushed once however many pages it takes, its progress at
 * `/push/status.json`, and a job whose node stopped mid-page finished by another.
 */
const keys = pushKeys();
const apnsCredentials = { teamId: 'TEAM123456', keyId: 'KEY1234567', bundleId: 'im.parley.test' };
let apns: FakeApns;
let t: TestServer;
let app: TestApp;

beforeAll(async () => {
  apns = await new FakeApns({ ...apnsCredentials, publicKey: keys.apnsPublicKey }).start();
  t = await startServer({ apps: [{ push: { apns: { ...apnsCredentials, privateKey: keys.apnsPrivateKey, production: false, endpoint: apns.url } } }] });
  app = t.app();
});
afterAll(async () => {
  await t.close();
  await apns.close();
});

const postJson = (path: string, body: object) => app.post(path, body as FormBody, { json: true });

/**
 * `count` users (`<prefix>0000`…) with one iPhone token each, written as push.register
 * stores them (more devices than WebSocket registrations would be quick to make), tagged `tag`.
 */
async function audience(prefix: string, count: number, tag: string): Promise<{ userIds: string[]; tokens: string[] }> {
  const userIds = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
  const tokens = userIds.map(() => randomBytes(32).toString('hex'));
  await t.deps.sql.query(
    `INSERT INTO push_tokens (app_key, user_id, device_id, provider, token, updated_at)
     SELECT $1, u, 'iphone', 'apns', k, $4 FROM unnest($2::text[], $3::text[]) AS x(u, k)`,
    [app.appKey, userIds, tokens, Date.now()],
  );
  expect((await postJson('/user/tag/batch/set.json', { userIds, tags: [tag] })).body.code).toBe(200);
  return { userIds, tokens };
}

/** Pushes the fake accepted for each token, with this body. */
function pushCounts(tokens: readonly string[], body: string): number[] {
  const counts = new Map(tokens.map((token) => [token, 0]));
  for (const push of apns.delivered) if (push.payload.aps.alert.body === body && counts.has(push.token)) counts.set(push.token, counts.get(push.token)! + 1);
  return tokens.map((token) => counts.get(token)!);
}

async function drained(): Promise<void> {
  await t.deps.broadcasts.settle();
  await expect.poll(() => t.deps.push.jobs.pending(app.appKey), { timeout: 20_000 }).toBe(0);
}

describe('audience pushes paged in the background', () => {
  it('a push to an audience larger than a page reaches every token once; its progress moves to done', async () => {
    const users = audiencePageSize + 150;
    const { tokens } = await audience('pa-', users, 'pa-vip');
    const [outsider] = (await audience('pb-', 1, 'pb-other')).tokens;
    const sent = await postJson('/push.json', { platform: ['ios'], audience: { tag: ['pa-vip'], is_to_all: false }, notification: { alert: 'paged push' } });
    expect(sent.body).toEqual({ code: 200, id: expect.any(String) });
    const id = String(sent.body.id);
    expect(['running', 'done']).toContain((await app.post('/push/status.json', { id })).body.state);
    await drained();
    expect(pushCounts(tokens, 'paged push').filter((n) => n !== 1)).toEqual([]);
    expect(pushCounts([outsider!], 'paged push')).toEqual([0]);
    expect((await app.post('/push/status.json', { id })).body).toEqual({ code: 200, state: 'done', delivered: users, error: '' });
    expect((await app.post('/push/status.json', { id: 'push-0000000000000000' })).body.code).toBe(404);
    // A push's id is not a broadcast's, nor the other way round.
    expect((await app.post('/message/broadcast/status.json', { messageUID: id })).body.code).toBe(404);
  });

  it('a push whose node stopped mid-page is finished by another: the users not yet pushed get it once, the others not again', async () => {
    const { userIds, tokens } = await audience('pc-', 300, 'pc-vip');
    const pushId = 'push-deadnode00000001';
    const notification = JSON.stringify({ conversationType: 0, targetId: '', objectName: '', title: '', body: 'taken over' });
    const now = Date.now();
    // The stopped node had recorded its first 100 users as reached, pushed them, and written the jobs of the next 50 (not sent yet).
    await t.deps.sql.query(
      `INSERT INTO broadcast_jobs (kind, app_key, message_uid, created_at, send, after_user, delivered, lease_until)
       VALUES ('push', $1, $2, $3, $4, $5, 100, $6)`,
      [app.appKey, pushId, now, JSON.stringify({ audience: { everyone: false, all: ['pc-vip'] }, notifications: { apns: notification } }), userIds[99], now - 1],
    );
    await t.deps.sql.query(
      `INSERT INTO push_jobs (app_key, user_id, device_id, message_uid, provider, token, notification, due_at, created_at, sent_at)
       SELECT $1, u, 'iphone', $2, 'apns', k, $3, $4, $4, CASE WHEN n <= 100 THEN $4::bigint END
       FROM unnest($5::text[], $6::text[]) WITH ORDINALITY AS x(u, k, n)`,
      [app.appKey, pushId, notification, now, userIds.slice(0, 150), tokens.slice(0, 150)],
    );
    await drained();
    expect(pushCounts(tokens.slice(0, 100), 'taken over').filter((n) => n !== 0)).toEqual([]);
    expect(pushCounts(tokens.slice(100), 'taken over').filter((n) => n !== 1)).toEqual([]);
    expect((await app.post('/push/status.json', { id: pushId })).body).toMatchObject({ state: 'done', delivered: 300 });
  });
});
