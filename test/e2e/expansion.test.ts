import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, ManualClock, settle, type Device } from '../helpers/device.js';
import { startServer, type ApiResponse, type FormBody, type TestApp, type TestServer } from '../helpers/server.js';

/**
 * Message expansion (docs/server-api.md "Message expansion"): set, delete and query, and the
 * `expansion` events that tell devices of each change (never a chat message).
 */
let t: TestServer;
let app: TestApp;
let noHistory: TestApp;
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  t = await startServer({ clock, apps: [{ features: { historyPrivateGroup: true } }, {}] });
  [app, noHistory] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

const txt = (content: string) => JSON.stringify({ content });
const ok = (res: ApiResponse) => expect(res.body).toMatchObject({ code: 200 });
const uidOf = (res: ApiResponse) => (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
const notices = (device: Device) => {
  expect(device.messages.filter((m) => m.objectName === 'RC:MsgExMsg')).toEqual([]);
  return device.expansions;
};
const noticeContents = (device: Device) => notices(device).map(({ messageUId, put, del }) => ({ mid: messageUId, ...(put ? { put } : { del }) }));

async function sendPrivate(from: string, to: string, expansion = true, on = app): Promise<string> {
  const res = await on.post('/message/private/publish.json', { fromUserId: from, toUserId: to, objectName: 'RC:TxtMsg', content: txt('hi'), expansion });
  ok(res);
  return uidOf(res);
}

/** What cloud history holds for a message, read past the API (which refuses some messages). */
async function stored(messageUId: string): Promise<unknown> {
  const { rows } = await t.deps.sql.query<{ extra_content: unknown }>('SELECT extra_content FROM messages WHERE message_uid = $1', [messageUId]);
  return rows[0]?.extra_content;
}

const query = async (msgUID: string, pageNo?: number) => {
  const res = await app.post('/message/expansion/query.json', { msgUID, pageNo });
  ok(res);
  return res.body.extraContent as Record<string, { v: string; ts: number }>;
};

describe('private messages', () => {
  it('set, query and delete round trip; the other party is told, the operator only with isSyncSender=1', async () => {
    const sender = await connectDevice(t, app, 'p-a');
    const peer = await connectDevice(t, app, 'p-b');
    const msgUID = await sendPrivate('p-a', 'p-b');
    const conversation = { msgUID, userId: 'p-a', conversationType: 1, targetId: 'p-b' };

    const setAt = clock.now();
    ok(await app.post('/message/expansion/set.json', { ...conversation, extraKeyVal: JSON.stringify({ like: '1', 'col=or_+-': 'red' }), isSyncSender: 0 }));
    expect(await query(msgUID)).toEqual({ like: { v: '1', ts: setAt }, 'col=or_+-': { v: 'red', ts: setAt } });
    await expect.poll(() => notices(peer).length).toBe(1);
    expect(notices(peer)[0]).toMatchObject({ conversationType: 1, targetId: 'p-a', operatorId: 'p-a', seq: expect.any(Number) });
    expect(noticeContents(peer)).toEqual([{ mid: msgUID, put: { like: '1', 'col=or_+-': 'red' } }]);
    await settle();
    expect(notices(sender)).toHaveLength(0);

    clock.advance(1000);
    ok(await app.post('/message/expansion/set.json', { ...conversation, extraKeyVal: JSON.stringify({ like: '2' }) }));
    expect(await query(msgUID)).toEqual({ like: { v: '2', ts: setAt + 1000 }, 'col=or_+-': { v: 'red', ts: setAt } });

    ok(await app.post('/message/expansion/delete.json', { ...conversation, extraKey: JSON.stringify(['like', 'never-set']), isSyncSender: 1 }));
    expect(await query(msgUID)).toEqual({ 'col=or_+-': { v: 'red', ts: setAt } });
    await expect.poll(() => notices(sender).length).toBe(1);
    expect(notices(sender)[0]).toMatchObject({ conversationType: 1, targetId: 'p-b' });
    expect(noticeContents(sender)).toEqual([{ mid: msgUID, del: ['like', 'never-set'] }]);
    await expect.poll(() => notices(peer).length).toBe(3);
    expect(noticeContents(peer)[2]).toEqual({ mid: msgUID, del: ['like', 'never-set'] });
  });

  it('the receiver may change it too (the conversation is the pair, from either side)', async () => {
    const sender = await connectDevice(t, app, 'p-c');
    const msgUID = await sendPrivate('p-c', 'p-d');
    ok(await app.post('/message/expansion/set.json', { msgUID, userId: 'p-d', conversationType: 1, targetId: 'p-c', extraKeyVal: JSON.stringify({ seen: 'yes' }) }));
    await expect.poll(() => noticeContents(sender)).toEqual([{ mid: msgUID, put: { seen: 'yes' } }]);
    expect(notices(sender)[0]).toMatchObject({ targetId: 'p-d' });
  });

  it('concurrent sets of different keys all land', async () => {
    const msgUID = await sendPrivate('p-e', 'p-f');
    const sets = Array.from({ length: 20 }, (_, i) =>
      app.post('/message/expansion/set.json', { msgUID, userId: 'p-e', conversationType: 1, targetId: 'p-f', extraKeyVal: JSON.stringify({ [`k${i}`]: `v${i}` }) }),
    );
    for (const res of await Promise.all(sets)) ok(res);
    expect(Object.keys(await query(msgUID)).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
  });

  it('a JSON body may carry extraKeyVal as an object and extraKey as an array', async () => {
    const msgUID = await sendPrivate('p-e', 'p-f');
    const conversation = { msgUID, userId: 'p-e', conversationType: 1, targetId: 'p-f' };
    ok(await app.post('/message/expansion/set.json', { ...conversation, extraKeyVal: { a: '1', b: '2' } } as unknown as FormBody, { json: true }));
    ok(await app.post('/message/expansion/delete.json', { ...conversation, extraKey: ['a'] }, { json: true }));
    expect(Object.keys(await query(msgUID))).toEqual(['b']);
  });

  it('a message of an app that keeps no private history cannot be expanded (404)', async () => {
    const msgUID = await sendPrivate('p-g', 'p-h', true, noHistory);
    const res = await noHistory.post('/message/expansion/set.json', { msgUID, userId: 'p-g', conversationType: 1, targetId: 'p-h', extraKeyVal: JSON.stringify({ a: 'b' }) });
    expect(res).toMatchObject({ status: 404, body: { code: 404 } });
    expect(res.body.errorMessage).toContain('cloud history');
  });
});

describe('group messages', () => {
  it('set, query and delete round trip; members are told, the operator only with isSyncSender=1', async () => {
    ok(await app.post('/group/join.json', { userId: ['g-a', 'g-b', 'g-c'], groupId: 'xg', groupName: 'X' }));
    const author = await connectDevice(t, app, 'g-a');
    const operator = await connectDevice(t, app, 'g-b');
    const member = await connectDevice(t, app, 'g-c');
    const res = await app.post('/message/group/publish.json', { fromUserId: 'g-a', toGroupId: 'xg', objectName: 'RC:TxtMsg', content: txt('vote'), expansion: true });
    ok(res);
    const msgUID = uidOf(res);
    const conversation = { msgUID, userId: 'g-b', conversationType: 3, targetId: 'xg' };

    ok(await app.post('/message/expansion/set.json', { ...conversation, extraKeyVal: JSON.stringify({ 'vote-g-b': 'yes' }) }));
    expect(await query(msgUID)).toEqual({ 'vote-g-b': { v: 'yes', ts: clock.now() } });
    for (const device of [author, member]) {
      await expect.poll(() => noticeContents(device)).toEqual([{ mid: msgUID, put: { 'vote-g-b': 'yes' } }]);
      expect(notices(device)[0]).toMatchObject({ conversationType: 3, targetId: 'xg', operatorId: 'g-b' });
    }
    await settle();
    expect(notices(operator)).toHaveLength(0);

    ok(await app.post('/message/expansion/delete.json', { ...conversation, extraKey: JSON.stringify(['vote-g-b']), isSyncSender: true }));
    expect(await query(msgUID)).toEqual({});
    for (const device of [author, operator, member]) {
      await expect.poll(() => noticeContents(device).at(-1)).toEqual({ mid: msgUID, del: ['vote-g-b'] });
    }
  });
});

describe('ultra group messages', () => {
  it('set, query and delete in a channel; the channel audience and the operator\'s devices are told', async () => {
    ok(await app.post('/ultragroup/create.json', { userId: 'u-a', groupId: 'xu', groupName: 'U' }));
    ok(await app.post('/ultragroup/join.json', { userId: 'u-b', groupId: 'xu' }));
    ok(await app.post('/ultragroup/channel/create.json', { groupId: 'xu', busChannel: 'news' }));
    const author = await connectDevice(t, app, 'u-a');
    const operator = await connectDevice(t, app, 'u-b');
    const res = await app.post('/message/ultragroup/publish.json', { fromUserId: 'u-a', toGroupIds: ['xu'], busChannel: 'news', objectName: 'RC:TxtMsg', content: txt('x'), expansion: true }, { json: true });
    ok(res);
    const msgUID = String(res.body.messageUID);
    const where = { msgUID, groupId: 'xu', busChannel: 'news' };

    ok(await app.post('/ultragroup/message/expansion/set.json', { ...where, userId: 'u-b', extraKeyVal: JSON.stringify({ pin: 'top' }) }));
    const queried = await app.post('/ultragroup/message/expansion/query.json', where);
    expect(queried.body).toEqual({ code: 200, extraContent: { pin: { v: 'top', ts: clock.now() } } });
    for (const device of [author, operator]) {
      await expect.poll(() => noticeContents(device)).toEqual([{ mid: msgUID, put: { pin: 'top' } }]);
      expect(notices(device)[0]).toMatchObject({ conversationType: 10, targetId: 'xu', busChannel: 'news' });
    }

    // The channel is part of the conversation: the default channel holds no such message.
    const elsewhere = await app.post('/ultragroup/message/expansion/query.json', { msgUID, groupId: 'xu' });
    expect(elsewhere).toMatchObject({ status: 404, body: { code: 404 } });

    ok(await app.post('/ultragroup/message/expansion/delete.json', { ...where, userId: 'u-b', extraKey: JSON.stringify(['pin']) }));
    expect((await app.post('/ultragroup/message/expansion/query.json', where)).body.extraContent).toEqual({});
    await expect.poll(() => noticeContents(author).at(-1)).toEqual({ mid: msgUID, del: ['pin'] });
  });
});

describe('refusals write and deliver nothing', () => {
  let peer: Device;
  let msgUID: string;
  let plainUID: string;
  const before = { keep: { v: 'me', ts: 0 } };

  // A test rather than beforeAll: connecting a device polls, which vitest allows only in tests.
  it('starts from a message holding one key, announced to the peer', async () => {
    peer = await connectDevice(t, app, 'r-b');
    msgUID = await sendPrivate('r-a', 'r-b');
    plainUID = await sendPrivate('r-a', 'r-b', false);
    const setAt = clock.now();
    before.keep.ts = setAt;
    ok(await app.post('/message/expansion/set.json', { msgUID, userId: 'r-a', conversationType: 1, targetId: 'r-b', extraKeyVal: JSON.stringify({ keep: 'me' }) }));
    await expect.poll(() => notices(peer).length).toBe(1);
  });

  const set = (change: FormBody) => app.post('/message/expansion/set.json', { msgUID, userId: 'r-a', conversationType: 1, targetId: 'r-b', extraKeyVal: JSON.stringify({ a: 'b' }), ...change });

  async function expectRefused(res: ApiResponse, code: number, mentions: string): Promise<void> {
    expect(res.body.code).toBe(code);
    expect(res.status).toBe(code === 404 ? 404 : 400);
    expect(String(res.body.errorMessage)).toContain(mentions);
    expect(await stored(msgUID)).toEqual(before);
    await settle();
    expect(notices(peer)).toHaveLength(1);
  }

  it.each([
    ['a key with a space', { extraKeyVal: JSON.stringify({ 'a b': 'x' }) }, 'key "a b"'],
    ['a key over 32 characters', { extraKeyVal: JSON.stringify({ ['k'.repeat(33)]: 'x' }) }, 'key "kkk'],
    ['a value over 4096 characters', { extraKeyVal: JSON.stringify({ a: 'v'.repeat(4097) }) }, 'longer than 4096'],
    ['text that is not JSON', { extraKeyVal: '{a:1' }, 'not valid JSON'],
    ['a JSON array instead of an object', { extraKeyVal: '["a"]' }, 'extraKeyVal'],
    ['a value that is not a string', { extraKeyVal: JSON.stringify({ a: { deep: 1 } }) }, 'extraKeyVal'],
    ['no key at all', { extraKeyVal: '{}' }, 'at least one key'],
    ['more than 100 keys in one call', { extraKeyVal: JSON.stringify(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v']))) }, 'more than 100 keys'],
    ['a conversation type other than 1 or 3', { conversationType: 6 }, 'conversationType'],
  ])('set with %s is 1002', async (_label, change, mentions) => {
    await expectRefused(await set(change), 1002, mentions);
  });

  it.each([
    ['a bad key', { extraKey: JSON.stringify(['a b']) }, 'key "a b"'],
    ['text that is not a JSON array', { extraKey: '{"keep":1}' }, 'extraKey'],
  ])('delete with %s is 1002', async (_label, change, mentions) => {
    const res = await app.post('/message/expansion/delete.json', { msgUID, userId: 'r-a', conversationType: 1, targetId: 'r-b', ...change });
    await expectRefused(res, 1002, mentions);
  });

  it.each([
    ['an unknown msgUID', { msgUID: 'AAAA-BBBB-CCCC-DDDD' }, 'no message'],
    ['a private message named with another target', { targetId: 'r-c' }, 'not in the conversation'],
    ['a private message named as a group message', { conversationType: 3 }, 'not in the conversation'],
  ])('set on %s is 404', async (_label, change, mentions) => {
    await expectRefused(await set(change), 404, mentions);
  });

  it('a message sent without expansion is refused (1002), for query too', async () => {
    const res = await set({ msgUID: plainUID });
    expect(res).toMatchObject({ status: 400, body: { code: 1002 } });
    expect(String(res.body.errorMessage)).toContain('not sent with expansion');
    expect(await stored(plainUID)).toEqual({});
    expect((await app.post('/message/expansion/query.json', { msgUID: plainUID })).body.code).toBe(1002);
    await settle();
    expect(notices(peer)).toHaveLength(1);
  });

  it('an unknown msgUID cannot be queried (404)', async () => {
    const res = await app.post('/message/expansion/query.json', { msgUID: 'AAAA-BBBB-CCCC-DDDD' });
    expect(res).toMatchObject({ status: 404, body: { code: 404 } });
  });

  it('a message holds at most 300 keys: the 301st is refused and nothing changes; overwriting at 300 is fine', async () => {
    const full = await sendPrivate('r-a', 'r-b');
    const conversation = { msgUID: full, userId: 'r-a', conversationType: 1, targetId: 'r-b' };
    for (let call = 0; call < 3; call++) {
      const keys = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${call * 100 + i}`, 'v']));
      ok(await app.post('/message/expansion/set.json', { ...conversation, extraKeyVal: JSON.stringify(keys) }));
    }
    await expect.poll(() => notices(peer).length).toBe(4);
    const atLimit = await stored(full);

    const res = await app.post('/message/expansion/set.json', { ...conversation, extraKeyVal: JSON.stringify({ k0: 'new', extra: 'v' }) });
    expect(res).toMatchObject({ status: 400, body: { code: 1002 } });
    expect(String(res.body.errorMessage)).toContain('at most 300');
    expect(await stored(full)).toEqual(atLimit);
    await settle();
    expect(notices(peer)).toHaveLength(4);

    ok(await app.post('/message/expansion/set.json', { ...conversation, extraKeyVal: JSON.stringify({ k0: 'again' }) }));
    const page = await query(full);
    expect(Object.keys(page)).toHaveLength(300);
    expect(page.k0?.v).toBe('again');
    expect(await query(full, 2)).toEqual({});
  });
});

describe('key/values sent with the message (extraContent)', () => {
  it('a private and a group message start with them; a later set adds to them', async () => {
    const sentAt = clock.now();
    const res = await app.post('/message/private/publish.json', {
      fromUserId: 'x-a', toUserId: 'x-b', objectName: 'RC:TxtMsg', content: txt('hi'), expansion: 'true', extraContent: JSON.stringify({ vote: 'yes' }),
    });
    ok(res);
    const msgUID = uidOf(res);
    expect(await query(msgUID)).toEqual({ vote: { v: 'yes', ts: sentAt } });
    ok(await app.post('/message/expansion/set.json', { msgUID, userId: 'x-b', conversationType: 1, targetId: 'x-a', extraKeyVal: JSON.stringify({ seen: '1' }) }));
    expect(Object.keys(await query(msgUID)).sort()).toEqual(['seen', 'vote']);

    ok(await app.post('/group/create.json', { userId: ['x-a', 'x-b'], groupId: 'xg', groupName: 'X' }));
    const group = await app.post('/message/group/publish.json', {
      fromUserId: 'x-a', toGroupId: 'xg', objectName: 'RC:TxtMsg', content: txt('g'), expansion: 1, extraContent: JSON.stringify({ pinned: 'no' }),
    });
    ok(group);
    expect(await query(uidOf(group))).toEqual({ pinned: { v: 'no', ts: sentAt } });
  });

  it('bad key/values refuse the send: nothing is stored or delivered', async () => {
    const peer = await connectDevice(t, app, 'xb-b');
    const bad = [JSON.stringify({ 'no spaces': '1' }), '{not json', JSON.stringify({ k: 'v'.repeat(4097) }), JSON.stringify(['k']), '{"__proto__":"x","a":"b"}'];
    for (const extraContent of bad) {
      const res = await app.post('/message/private/publish.json', { fromUserId: 'xb-a', toUserId: 'xb-b', objectName: 'RC:TxtMsg', content: txt('x'), expansion: 1, extraContent });
      expect(res.body.code, extraContent).toBe(1002);
    }
    const withoutExpansion = await app.post('/message/private/publish.json', { fromUserId: 'xb-a', toUserId: 'xb-b', objectName: 'RC:TxtMsg', content: txt('x'), extraContent: JSON.stringify({ a: 'b' }) });
    expect(withoutExpansion.body.code).toBe(1002);
    const group = await app.post('/message/group/publish.json', { fromUserId: 'xb-a', toGroupId: 'xg', objectName: 'RC:TxtMsg', content: txt('g'), expansion: 1, extraContent: JSON.stringify({ 'bad key': '1' }) });
    expect(group.body.code).toBe(1002);
    await settle();
    expect(peer.messages).toHaveLength(0);
    const { rows } = await t.deps.sql.query('SELECT 1 FROM messages WHERE app_key = $1 AND from_user_id = $2', [app.appKey, 'xb-a']);
    expect(rows).toEqual([]);
  });
});

describe('devices told of changes while offline', () => {
  it('get them on catch-up as expansion events with a seq, and `sync` lists them apart from messages', async () => {
    const msgUID = await sendPrivate('off-a', 'off-b');
    ok(await app.post('/message/expansion/set.json', { msgUID, userId: 'off-a', conversationType: 1, targetId: 'off-b', extraKeyVal: JSON.stringify({ like: '1' }) }));
    const peer = await connectDevice(t, app, 'off-b');
    await expect.poll(() => noticeContents(peer)).toEqual([{ mid: msgUID, put: { like: '1' } }]);
    expect(peer.messages.map((m) => m.messageUId)).toEqual([msgUID]);
    const [message] = peer.messages;
    const [change] = peer.expansions;
    expect(change!.seq).toBeGreaterThan(message!.seq!);

    const page = await peer.client.request<{ messages: Array<{ seq: number }>; expansions: Array<{ seq: number; messageUId: string }> }>('sync', { afterSeq: 0 });
    expect(page.messages.map((m) => m.seq)).toEqual([message!.seq]);
    expect(page.expansions).toEqual([expect.objectContaining({ seq: change!.seq, messageUId: msgUID, put: { like: '1' }, operatorId: 'off-a' })]);
  });
});
