import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxLimits } from '../../src/core/apps.js';
import { inboxRecord, OutgoingMessage } from '../../src/core/outgoing.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * `/message/broadcast` as a durable job (core/delivery/app-wide.ts): its row is the commit
 * point, its progress can be read, and a node that takes over a job whose node died goes on
 * from the last page reached, finding what that node had half written.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

const users = ['bj-u1', 'bj-u2', 'bj-u3', 'bj-u4', 'bj-u5'];
const text = JSON.stringify({ content: 'to everyone' });

async function entriesOf(userId: string, messageUId: string): Promise<number> {
  const page = await t.deps.inbox.read(t.app().appKey, userId, 0, 1000, Date.now(), inboxLimits(t.app()));
  return page.entries.filter((e) => inboxRecord.decode(e.payload).view.messageUId === messageUId).length;
}

describe('broadcast jobs', () => {
  it('report their progress: done, with the users reached; an unknown id is 404', async () => {
    for (const userId of users) await t.app().post('/user/getToken.json', { userId, name: userId });
    const sent = await t.app().post('/message/broadcast.json', { fromUserId: 'bj-admin', objectName: 'RC:TxtMsg', content: text });
    const messageUID = String(sent.body.messageUID);
    await t.deps.broadcasts.settle();
    const status = await t.app().post('/message/broadcast/status.json', { messageUID });
    expect(status.body).toEqual({ code: 200, state: 'done', delivered: users.length, error: '' });
    for (const userId of users) expect(await entriesOf(userId, messageUID)).toBe(1);
    expect((await t.app().post('/message/broadcast/status.json', { messageUID: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' })).body.code).toBe(404);
  });

  it('a job whose node died mid-page is taken over and finished: every user gets it once', async () => {
    const { appKey } = t.app();
    const messageUId = 'BJOB-0000-0000-0001';
    const sentTime = Date.now();
    const send = { fromUserId: 'bj-admin', objectName: 'RC:TxtMsg', content: { content: text }, sentTime };
    // The dead node had reached bj-u2, written bj-u3's entry of the next page, and no more.
    await t.deps.sql.query('INSERT INTO broadcast_jobs (app_key, message_uid, created_at, send, after_user, delivered, lease_until) VALUES ($1, $2, $3, $4, $5, 2, $6)', [
      appKey,
      messageUId,
      sentTime,
      JSON.stringify(send),
      'bj-u2',
      Date.now() - 1,
    ]);
    const view = OutgoingMessage.of({
      messageUId, conversationType: 6, targetId: 'bj-admin', busChannel: '', senderUserId: 'bj-admin', objectName: 'RC:TxtMsg', content: text,
      sentTime, sender: { name: '', portraitUri: '' }, pushContent: '', pushData: '', isStatus: false, isPersisted: true, isCounted: true, recalled: false,
    });
    await t.deps.inbox.append(appKey, ['bj-u1', 'bj-u2', 'bj-u3'].map((userId) => ({ userId, payload: inboxRecord.encode(view), messageUId })), Date.now(), inboxLimits(t.app()));
    await t.deps.broadcasts.settle();
    for (const userId of users) expect(await entriesOf(userId, messageUId), userId).toBe(1);
    expect((await t.app().post('/message/broadcast/status.json', { messageUID: messageUId })).body).toMatchObject({ state: 'done', delivered: users.length });
  });
});
