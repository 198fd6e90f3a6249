import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

// Request shapes of rongcloud/server-sdk-go (sdk/user.go, sensitive.go) and server-sdk-java
// (Remark.java, chat/Ban.java, SensitiveWord.java) for push remarks, one-to-one mutes,
// online status and sensitive-word removal.
let t: TestServer;
let app: TestApp;
beforeAll(async () => {
  t = await startServer();
  app = t.app();
});
afterAll(() => t.close());

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const txt = (s: string) => JSON.stringify({ content: s });
const ok = (res: { body: { code: number } }) => expect(res.body.code, JSON.stringify(res.body)).toBe(200);

describe('push remarks (/user/remarks/*)', () => {
  it('sets from the Go SDK\'s {Id, Remark} and the Java SDK\'s unencoded [{id, remark}], pages, deletes', async () => {
    ok(await app.post('/user/remarks/set.json', { userId: 'rm-a', remarks: JSON.stringify([{ Id: 'rm-b', Remark: 'Bee' }, { Id: 'rm-c', Remark: 'Sea' }]) }));
    // Java appends `remarks=` + the JSON text without URL-encoding it.
    ok(await app.raw('POST', '/user/remarks/set.json', 'userId=rm-a&remarks=[{"id":"rm-c","remark":"See"},{"id":"rm-d","remark":"Dee"}]', form));
    expect((await app.post('/user/remarks/get.json', { userId: 'rm-a', page: 0, size: 0 })).body).toMatchObject({
      code: 200,
      total: 3,
      users: [{ id: 'rm-b', remark: 'Bee' }, { id: 'rm-c', remark: 'See' }, { id: 'rm-d', remark: 'Dee' }],
    });
    expect((await app.post('/user/remarks/get.json', { userId: 'rm-a', page: 2, size: 2 })).body).toMatchObject({ total: 3, users: [{ id: 'rm-d' }] });
    ok(await app.raw('POST', '/user/remarks/del.json', 'userId=rm-a&targetId=rm-c', form));
    expect((await app.post('/user/remarks/get.json', { userId: 'rm-a' })).body.users).toEqual([{ id: 'rm-b', remark: 'Bee' }, { id: 'rm-d', remark: 'Dee' }]);
  });

  it('a target named twice in one call gets the later remark', async () => {
    ok(await app.post('/user/remarks/set.json', { userId: 'rm-twice', remarks: JSON.stringify([{ id: 'rm-x', remark: 'first' }, { id: 'rm-y', remark: 'Why' }, { id: 'rm-x', remark: 'second' }]) }));
    expect((await app.post('/user/remarks/get.json', { userId: 'rm-twice' })).body.users).toEqual([{ id: 'rm-x', remark: 'second' }, { id: 'rm-y', remark: 'Why' }]);
  });
});

describe('one-to-one mutes (/user/chat/fb/*)', () => {
  it('a muted user\'s devices cannot send one-to-one (20605); groups, the app backend and unmuting still work', async () => {
    ok(await app.post('/group/create.json', { userId: ['fb-a', 'fb-b'], groupId: 'fb-g', groupName: 'G' }));
    const a = await connectDevice(t, app, 'fb-a');
    const b = await connectDevice(t, app, 'fb-b');
    // Go: one userId; Java: the key repeated.
    ok(await app.post('/user/chat/fb/set.json', { userId: 'fb-a', state: 1, type: 'PERSON' }));
    ok(await app.raw('POST', '/user/chat/fb/set.json', 'userId=fb-x&userId=fb-y&state=1&type=PERSON', form));
    await expect(a.client.request('send', { conversationType: 1, targetId: 'fb-b', objectName: 'RC:TxtMsg', content: txt('no') })).rejects.toMatchObject({ code: 20605 });
    await a.client.request('send', { conversationType: 3, targetId: 'fb-g', objectName: 'RC:TxtMsg', content: txt('group is fine') });
    ok(await app.post('/message/private/publish.json', { fromUserId: 'fb-a', toUserId: 'fb-b', objectName: 'RC:TxtMsg', content: txt('admin is fine') }));
    await b.received(2);
    expect(b.messages.map((m) => JSON.parse(m.content) as unknown)).toEqual([{ content: 'group is fine' }, { content: 'admin is fine' }]);

    expect((await app.post('/user/chat/fb/querylist.json', { num: 100, offset: 0, type: 'PERSON' })).body).toMatchObject({ code: 200, total: 3, users: ['fb-a', 'fb-x', 'fb-y'] });
    expect((await app.raw('POST', '/user/chat/fb/querylist.json', 'type=PERSON&num=1&offset=1', form)).body).toMatchObject({ total: 3, users: ['fb-x'] });
    ok(await app.post('/user/chat/fb/set.json', { userId: 'fb-a', state: 0, type: 'PERSON' }));
    await a.client.request('send', { conversationType: 1, targetId: 'fb-b', objectName: 'RC:TxtMsg', content: txt('yes') });
    await b.received(3);
  });
});

describe('online status (/user/checkOnline.json)', () => {
  it('answers one user as RongCloud does and several (repeated or comma-joined) one entry each', async () => {
    await connectDevice(t, app, 'on-a');
    expect((await app.post('/user/checkOnline.json', { userId: 'on-a' })).body).toEqual({ code: 200, status: '1' });
    expect((await app.post('/user/checkOnline.json', { userId: ['on-a', 'on-b'] })).body).toEqual({ code: 200, result: [{ userId: 'on-a', status: '1' }, { userId: 'on-b', status: '0' }] });
    expect((await app.post('/user/checkOnline.json', { userId: 'on-b,on-a' })).body.result).toEqual([{ userId: 'on-b', status: '0' }, { userId: 'on-a', status: '1' }]);
  });
});

describe('sensitive words', () => {
  it('/sensitiveword/delete.json removes one word (Java\'s `word`)', async () => {
    ok(await app.post('/sensitiveword/add.json', { word: 'apple', replaceWord: '***' }));
    ok(await app.post('/sensitiveword/add.json', { word: 'pear' }));
    ok(await app.post('/sensitiveword/delete.json', { word: 'apple' }));
    expect((await app.post('/sensitiveword/list.json', {})).body.words).toEqual([{ type: '1', word: 'pear', replaceWord: '' }]);
  });

  it('batch delete counts the words as sent: 61 words (21 distinct) is over the 50 cap and removes nothing', async () => {
    const words = ['pear', ...Array.from({ length: 60 }, (_, i) => String((i % 20) + 1))];
    const res = await app.post('/sensitiveword/batch/delete.json', { words });
    expect([res.status, res.body.code]).toEqual([400, 1002]);
    expect((await app.post('/sensitiveword/list.json', {})).body.words).toEqual([{ type: '1', word: 'pear', replaceWord: '' }]);
  });
});

describe('bad settings input gets 1002 and changes nothing', () => {
  it.each([
    ['/user/remarks/set.json', { userId: 'bad-a', remarks: 'not json' }],
    ['/user/remarks/set.json', { userId: 'bad-a', remarks: JSON.stringify([{ id: 'x y', remark: 'r' }]) }],
    ['/user/remarks/set.json', { userId: 'bad-a', remarks: JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ id: `u${i}`, remark: 'r' }))) }],
    ['/user/remarks/set.json', { userId: 'bad-a', remarks: '[]' }],
    ['/user/remarks/get.json', { userId: 'bad-a', size: 101 }],
    ['/user/remarks/del.json', { userId: 'bad-a' }],
    ['/user/chat/fb/set.json', { userId: 'bad-a', state: 1, type: 'GROUP' }],
    ['/user/chat/fb/set.json', { userId: 'bad-a', state: 2, type: 'PERSON' }],
    ['/user/chat/fb/set.json', { state: 1, type: 'PERSON' }],
    ['/user/chat/fb/querylist.json', { num: 201, type: 'PERSON' }],
    ['/user/chat/fb/querylist.json', { num: 10 }],
    ['/user/checkOnline.json', {}],
    ['/sensitiveword/delete.json', {}],
  ])('%s %j', async (path, body) => {
    const res = await app.post(path, body);
    expect([res.status, res.body.code]).toEqual([400, 1002]);
  });

  it('wrote none of it', async () => {
    expect((await app.post('/user/remarks/get.json', { userId: 'bad-a' })).body.users).toEqual([]);
    expect((await app.post('/user/chat/fb/querylist.json', { type: 'PERSON' })).body.users).not.toContain('bad-a');
  });
});
