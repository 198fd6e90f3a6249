import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, ManualClock, type Device } from '../helpers/device.js';
import { startServer, type ApiResponse, type FormBody, type TestApp, type TestServer } from '../helpers/server.js';

/**
 * Reading cloud history: the WS `history` op (docs/protocol.md), the REST v3 range queries
 * (docs/server-api.md "Recall and history"), the history clean (§10) and the history column of docs/architecture.md.
 */

/** A fixed base well in the past of the real clock but inside every retention window. */
const base = Date.now() - 60_000;
const clock = new ManualClock(base);
let t: TestServer;
let kept: TestApp;
let off: TestApp;

beforeAll(async () => {
  t = await startServer({ clock, apps: [{ features: { historyPrivateGroup: true, historyChatroom: true } }, {}] });
  [kept, off] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

interface HistoryMessage {
  messageUId: string;
  conversationType: number;
  targetId: string;
  busChannel: string;
  senderUserId: string;
  content: string;
  sentTime: number;
  recalled: boolean;
  sender: { name: string };
}
interface HistoryPage {
  messages: HistoryMessage[];
  hasMore: boolean;
  cursor: string;
}
interface V3Item {
  targetId: string;
  fromUserId: string;
  messageUID: string;
  msgTime: number;
  objectName: string;
  content: string;
  expansion: boolean;
  extraContent: string;
  busChannel?: string;
}

const txt = (s: string) => JSON.stringify({ content: s });
const ok = (res: ApiResponse) => expect(res.body, JSON.stringify(res.body)).toMatchObject({ code: 200 });
const uidOf = (res: ApiResponse) => {
  ok(res);
  return (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
};
const history = (device: Device, fields: Record<string, unknown>) => device.client.request<HistoryPage>('history', fields);
const uids = (page: { messages: Array<{ messageUId: string }> }) => page.messages.map((m) => m.messageUId);
/** Every page of a conversation's history, newest first, as one list. */
async function allHistory(device: Device, fields: Record<string, unknown>): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10; i++) {
    const page = await history(device, { ...fields, limit: 100, ...(cursor !== undefined && { cursor }) });
    out.push(...uids(page));
    if (!page.hasMore) return out;
    cursor = page.cursor;
  }
  throw new Error('history never ends');
}

const privateSend = (app: TestApp, fromUserId: string, toUserId: string, body: string, extra: FormBody = {}) =>
  app.post('/message/private/publish.json', { fromUserId, toUserId, objectName: 'RC:TxtMsg', content: txt(body), ...extra });
const groupSend = (app: TestApp, fromUserId: string, toGroupId: string, body: string, extra: FormBody = {}) =>
  app.post('/message/group/publish.json', { fromUserId, toGroupId, objectName: 'RC:TxtMsg', content: txt(body), ...extra });
const chatroomSend = (app: TestApp, fromUserId: string, toChatroomId: string, body: string, extra: FormBody = {}) =>
  app.post('/message/chatroom/publish.json', { fromUserId, toChatroomId, objectName: 'RC:TxtMsg', content: txt(body), ...extra });
const ultraSend = (app: TestApp, fromUserId: string, groupId: string, body: string, busChannel?: string) =>
  app.post('/message/ultragroup/publish.json', { fromUserId, toGroupIds: [groupId], objectName: 'RC:TxtMsg', content: txt(body), ...(busChannel !== undefined && { busChannel }) }, { json: true });

const v3 = (app: TestApp, kind: 'private' | 'group' | 'chatroom' | 'ultragroup', body: FormBody) => app.post(`/v3/message/${kind}/query.json`, body, { json: true });
const v3Rows = async (app: TestApp, kind: 'private' | 'group' | 'chatroom' | 'ultragroup', body: FormBody) => {
  const res = await v3(app, kind, body);
  ok(res);
  return res.body.data as V3Item[];
};
const v3Uids = async (...args: Parameters<typeof v3Rows>) => (await v3Rows(...args)).map((r) => r.messageUID);

const storedRows = async (app: TestApp, where: string, params: unknown[]) =>
  (await t.deps.sql.query<{ message_uid: string; sent_time: string | number }>(
    `SELECT message_uid, sent_time FROM messages WHERE app_key = $1 AND ${where} ORDER BY sent_time, message_uid`,
    [app.appKey, ...params],
  )).rows.map((r) => ({ uid: r.message_uid, sentTime: Number(r.sent_time) }));

describe('WS history: newest first, as the reader may see it', () => {
  it('hides an unechoed server-API send from its sender only; echoed and device sends are in both histories', async () => {
    const T = base + 1_000_000;
    clock.set(T);
    const a = await connectDevice(t, kept, 'vis-a');
    const b = await connectDevice(t, kept, 'vis-b');
    clock.set(T + 1);
    const plain = uidOf(await privateSend(kept, 'vis-a', 'vis-b', 'plain'));
    clock.set(T + 2);
    const echoed = uidOf(await privateSend(kept, 'vis-a', 'vis-b', 'echoed', { isIncludeSender: 1 }));
    clock.set(T + 3);
    const fromDevice = await a.client.send({ conversationType: 1, targetId: 'vis-b', objectName: 'RC:TxtMsg', content: { content: 'device' } });
    clock.set(T + 4);
    const reply = await b.client.send({ conversationType: 1, targetId: 'vis-a', objectName: 'RC:TxtMsg', content: { content: 'reply' } });

    const ofA = await history(a, { conversationType: 1, targetId: 'vis-b' });
    const ofB = await history(b, { conversationType: 1, targetId: 'vis-a' });
    expect(uids(ofA)).toEqual([reply.messageUId, fromDevice.messageUId, echoed]);
    expect(uids(ofB)).toEqual([reply.messageUId, fromDevice.messageUId, echoed, plain]);
    expect(ofA.hasMore).toBe(false);
    // The conversation is named from the reader's side; rows carry their sender and time.
    expect(ofA.messages.every((m) => m.targetId === 'vis-b' && m.conversationType === 1 && m.recalled === false)).toBe(true);
    expect(ofB.messages.every((m) => m.targetId === 'vis-a' && m.recalled === false)).toBe(true);
    expect(ofB.messages.map((m) => [m.senderUserId, m.sentTime, m.content])).toEqual([
      ['vis-b', T + 4, txt('reply')],
      ['vis-a', T + 3, txt('device')],
      ['vis-a', T + 2, txt('echoed')],
      ['vis-a', T + 1, txt('plain')],
    ]);
    expect(ofB.messages[3]!.sender.name).toBe('name-vis-a');

    // `before` is exclusive; `limit` cuts the newest first and says there is more.
    expect(uids(await history(b, { conversationType: 1, targetId: 'vis-a', before: T + 3 }))).toEqual([echoed, plain]);
    const firstTwo = await history(b, { conversationType: 1, targetId: 'vis-a', limit: 2 });
    expect([uids(firstTwo), firstTwo.hasMore]).toEqual([[reply.messageUId, fromDevice.messageUId], true]);
  });

  it('pages by cursor without a skip or a repeat across equal sentTime while messages keep arriving', async () => {
    const T = base + 2_000_000;
    const reader = await connectDevice(t, kept, 'pg-b');
    const writer = await connectDevice(t, kept, 'pg-a');
    const existing: string[] = [];
    for (const at of [T - 30, T - 20, T - 20]) {
      clock.set(at);
      existing.push(uidOf(await privateSend(kept, 'pg-a', 'pg-b', `early ${at}`, { isIncludeSender: 1 })));
    }
    clock.set(T); // the clock stands still: 30 messages share one millisecond
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? writer.client.send({ conversationType: 1, targetId: 'pg-b', objectName: 'RC:TxtMsg', content: { content: `same ${i}` } }).then((r) => r.messageUId)
          : privateSend(kept, i % 3 === 1 ? 'pg-a' : 'pg-b', i % 3 === 1 ? 'pg-b' : 'pg-a', `same ${i}`, { isIncludeSender: 1 }).then(uidOf),
      ),
    );
    existing.push(...burst);
    expect((await storedRows(kept, 'conversation_key = $2 AND sent_time = $3', ['pg-a:pg-b', T]))).toHaveLength(30);

    const conversation = { conversationType: 1, targetId: 'pg-a', limit: 7 };
    const pages: HistoryPage[] = [];
    const arrivals: Array<() => Promise<unknown>> = [
      // the same millisecond as the burst (and as the first page's cursor)
      () => privateSend(kept, 'pg-a', 'pg-b', 'late same ms', { isIncludeSender: 1 }),
      () => writer.client.send({ conversationType: 1, targetId: 'pg-b', objectName: 'RC:TxtMsg', content: { content: 'late same ms, device' } }),
      // later milliseconds
      () => {
        clock.set(T + 1);
        return privateSend(kept, 'pg-b', 'pg-a', 'later', { isIncludeSender: 1 });
      },
      async () => {
        clock.set(T + 5);
        await privateSend(kept, 'pg-a', 'pg-b', 'later still');
        await privateSend(kept, 'pg-a', 'pg-b', 'later still, same ms', { isIncludeSender: 1 });
      },
    ];
    let page = await history(reader, conversation);
    pages.push(page);
    while (page.hasMore && pages.length < 10) {
      await arrivals.shift()?.();
      page = await history(reader, { ...conversation, cursor: page.cursor });
      pages.push(page);
    }
    expect(arrivals).toHaveLength(0); // every arrival happened while paging
    expect(pages.length).toBe(Math.ceil(existing.length / 7));
    expect(pages.slice(0, -1).every((p) => p.messages.length === 7 && p.hasMore)).toBe(true);

    const seen = pages.flatMap((p) => p.messages);
    expect(new Set(seen.map((m) => m.messageUId)).size).toBe(seen.length);
    expect([...seen.map((m) => m.messageUId)].sort()).toEqual([...existing].sort());
    for (let i = 1; i < seen.length; i++) {
      const [newer, older] = [seen[i - 1]!, seen[i]!];
      const descending = newer.sentTime > older.sentTime || (newer.sentTime === older.sentTime && newer.messageUId > older.messageUId);
      expect(descending, `${i}: ${newer.sentTime}/${newer.messageUId} before ${older.sentTime}/${older.messageUId}`).toBe(true);
    }
    // A fresh read sees the arrivals on top, then the very same order.
    const fresh = await allHistory(reader, { conversationType: 1, targetId: 'pg-a' });
    expect(fresh).toHaveLength(existing.length + 5);
    expect(fresh.slice(5)).toEqual(seen.map((m) => m.messageUId));
    // Past the end: an empty last page that still says where it is.
    const end = await history(reader, { ...conversation, cursor: pages.at(-1)!.cursor });
    expect([end.messages, end.hasMore]).toEqual([[], false]);

    await expect(history(reader, { ...conversation, limit: 101 })).rejects.toMatchObject({ code: 1002 });
    await expect(history(reader, { ...conversation, conversationType: 2 })).rejects.toMatchObject({ code: 1002 });
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['a fractional time', [1.5, '']],
    ['a time past bigint', [1e300, '']],
    ['a negative time', [-1, '']],
    ['an id with a NUL byte', [5, 'A\u0000']],
    ['an id that is no message id', [5, 'hello']],
    ['a third element', [5, '', 1]],
  ])('refuses a cursor it never gave (%s) with 1002', async (label, cursor) => {
    const reader = await connectDevice(t, kept, 'pg-c', { deviceId: `pg-c-${label}` });
    const encoded = typeof cursor === 'string' ? cursor : Buffer.from(JSON.stringify(cursor)).toString('base64url');
    await expect(history(reader, { conversationType: 1, targetId: 'pg-a', cursor: encoded })).rejects.toMatchObject({ code: 1002 });
    // The socket stays usable.
    expect((await history(reader, { conversationType: 1, targetId: 'pg-a' })).messages).toEqual([]);
    await reader.close();
  });
});

describe('REST v3 history queries', () => {
  it('private: oldest first within (startTime, endTime], as userId sees it, values as strings or numbers', async () => {
    const T = base + 3_000_000;
    const sends: Array<[string, string, FormBody]> = [
      ['q-a', 'q-b', {}], // T+10: hidden from q-a
      ['q-b', 'q-a', { isIncludeSender: 1 }], // T+20
      ['q-a', 'q-b', { isIncludeSender: '1' }], // T+30
      ['q-b', 'q-a', {}], // T+40: hidden from q-b
    ];
    const m: string[] = [];
    for (const [i, [from, to, extra]] of sends.entries()) {
      clock.set(T + 10 * (i + 1));
      m.push(uidOf(await privateSend(kept, from, to, `m${i + 1}`, extra)));
    }
    clock.set(T + 100);
    const [m1, m2, m3, m4] = m as [string, string, string, string];

    const asB = await v3Rows(kept, 'private', { userId: 'q-b', targetId: 'q-a', startTime: T, endTime: T + 100 });
    expect(asB.map((r) => r.messageUID)).toEqual([m1, m2, m3]);
    expect(asB[0]).toEqual({ targetId: 'q-a', fromUserId: 'q-a', messageUID: m1, msgTime: T + 10, objectName: 'RC:TxtMsg', content: txt('m1'), expansion: false, extraContent: '{}' });
    expect(asB.map((r) => [r.fromUserId, r.msgTime])).toEqual([['q-a', T + 10], ['q-b', T + 20], ['q-a', T + 30]]);
    // Go-SDK style: every value a string.
    expect(await v3Uids(kept, 'private', { userId: 'q-a', targetId: 'q-b', startTime: String(T), endTime: String(T + 100), pageSize: '20', includeStart: 'false' })).toEqual([m2, m3, m4]);
    // startTime is exclusive unless includeStart; endTime inclusive.
    expect(await v3Uids(kept, 'private', { userId: 'q-b', targetId: 'q-a', startTime: T + 10, endTime: T + 30 })).toEqual([m2, m3]);
    expect(await v3Uids(kept, 'private', { userId: 'q-b', targetId: 'q-a', startTime: T + 10, endTime: T + 30, includeStart: true })).toEqual([m1, m2, m3]);
    expect(await v3Uids(kept, 'private', { userId: 'q-a', targetId: 'q-b', startTime: String(T + 20), endTime: String(T + 40), includeStart: 'true' })).toEqual([m2, m3, m4]);
    // pageSize keeps the oldest.
    expect(await v3Uids(kept, 'private', { userId: 'q-a', targetId: 'q-b', startTime: T, endTime: T + 100, pageSize: 2 })).toEqual([m2, m3]);
    // A start equal to the end is an empty, valid range (or one message with includeStart).
    expect(await v3Uids(kept, 'private', { userId: 'q-a', targetId: 'q-b', startTime: T + 30, endTime: T + 30 })).toEqual([]);
    expect(await v3Uids(kept, 'private', { userId: 'q-a', targetId: 'q-b', startTime: T + 30, endTime: T + 30, includeStart: 1 })).toEqual([m3]);
    // Another pair's conversation is not this one.
    expect(await v3Uids(kept, 'private', { userId: 'q-a', targetId: 'q-c', startTime: T, endTime: T + 100 })).toEqual([]);
  });

  it('group, chatroom and ultra group queries return their rows', async () => {
    const T = base + 4_000_000;
    clock.set(T);
    ok(await kept.post('/group/create.json', { userId: ['vg-a', 'vg-b'], groupId: 'vg', groupName: 'V' }));
    const gb = await connectDevice(t, kept, 'vg-b');
    clock.set(T + 1);
    const g1 = uidOf(await groupSend(kept, 'vg-a', 'vg', 'g1'));
    clock.set(T + 2);
    const g2 = uidOf(await groupSend(kept, 'vg-a', 'vg', 'g2', { isIncludeSender: 1 }));
    clock.set(T + 3);
    const g3 = (await gb.client.send({ conversationType: 3, targetId: 'vg', objectName: 'RC:TxtMsg', content: { content: 'g3' } })).messageUId;
    const range = { startTime: T, endTime: T + 10 };
    const asMember = await v3Rows(kept, 'group', { userId: 'vg-b', targetId: 'vg', ...range });
    expect(asMember.map((r) => [r.messageUID, r.fromUserId, r.targetId, r.content])).toEqual([
      [g1, 'vg-a', 'vg', txt('g1')],
      [g2, 'vg-a', 'vg', txt('g2')],
      [g3, 'vg-b', 'vg', txt('g3')],
    ]);
    expect(await v3Uids(kept, 'group', { userId: 'vg-a', targetId: 'vg', ...range })).toEqual([g2, g3]);

    ok(await kept.post('/chatroom/create.json', { 'chatroom[vc]': 'V' }));
    clock.set(T + 4);
    const c1 = uidOf(await chatroomSend(kept, 'vc-a', 'vc', 'c1', { isIncludeSender: 1 }));
    clock.set(T + 5);
    ok(await chatroomSend(kept, 'vc-a', 'vc', 'not kept'));
    clock.set(T + 6);
    const c2 = uidOf(await chatroomSend(kept, 'vc-b', 'vc', 'c2', { isIncludeSender: 1 }));
    const room = await v3Rows(kept, 'chatroom', { userId: 'vc-a', targetId: 'vc', ...range });
    expect(room.map((r) => [r.messageUID, r.fromUserId, r.msgTime, r.targetId])).toEqual([[c1, 'vc-a', T + 4, 'vc'], [c2, 'vc-b', T + 6, 'vc']]);
    expect(await storedRows(kept, 'conversation_type = 4 AND conversation_key = $2', ['vc'])).toHaveLength(2);

    ok(await kept.post('/ultragroup/create.json', { userId: 'vu-a', groupId: 'vu', groupName: 'V' }));
    ok(await kept.post('/ultragroup/channel/create.json', { groupId: 'vu', busChannel: 'news' }));
    clock.set(T + 7);
    const u1 = uidOf(await ultraSend(kept, 'vu-a', 'vu', 'u1', 'news'));
    clock.set(T + 8);
    const u2 = uidOf(await ultraSend(kept, 'vu-a', 'vu', 'u2'));
    const news = await v3Rows(kept, 'ultragroup', { userId: 'vu-a', targetId: 'vu', busChannel: 'news', ...range });
    expect(news).toEqual([{ targetId: 'vu', fromUserId: 'vu-a', messageUID: u1, msgTime: T + 7, objectName: 'RC:TxtMsg', content: txt('u1'), expansion: false, extraContent: '{}', busChannel: 'news' }]);
    expect(await v3Uids(kept, 'ultragroup', { userId: 'vu-a', targetId: 'vu', ...range })).toEqual([u2]);
    expect(await v3Uids(kept, 'ultragroup', { userId: 'vu-a', targetId: 'vu', busChannel: 'RCDefault', ...range })).toEqual([u2]);
  });

  it.each([
    ['pageSize 101', { pageSize: 101 }],
    ['pageSize 0', { pageSize: '0' }],
    ['startTime after endTime', { startTime: 2000, endTime: 1000 }],
    ['no userId', { userId: undefined }],
    ['no targetId', { targetId: undefined }],
    ['a non-numeric time', { endTime: 'soon' }],
    ['a fractional time', { startTime: '12.5' }],
    ['a negative time', { startTime: -1 }],
    ['includeStart that is no flag', { includeStart: 'maybe' }],
  ])('refuses %s with 1002', async (_label, change) => {
    for (const kind of ['private', 'group', 'chatroom', 'ultragroup'] as const) {
      const res = await v3(kept, kind, { userId: 'q-a', targetId: 'q-b', startTime: 0, endTime: 9_999_999_999_999, ...change });
      expect([res.status, res.body.code], kind).toEqual([400, 1002]);
    }
  });

  it('an app without historyPrivateGroup answers 25102 for private and group, still serves ultra groups', async () => {
    const T = base + 5_000_000;
    clock.set(T);
    ok(await off.post('/ultragroup/create.json', { userId: 'ou-a', groupId: 'ou', groupName: 'O' }));
    clock.set(T + 1);
    const u = uidOf(await ultraSend(off, 'ou-a', 'ou', 'kept regardless'));
    ok(await privateSend(off, 'ou-a', 'ou-b', 'not kept', { isIncludeSender: 1 }));
    const range = { startTime: T, endTime: T + 10 };
    for (const kind of ['private', 'group', 'chatroom'] as const) {
      const res = await v3(off, kind, { userId: 'ou-a', targetId: 'ou-b', ...range });
      expect([res.status, res.body.code], kind).toEqual([403, 25102]);
    }
    expect(await v3Uids(off, 'ultragroup', { userId: 'ou-a', targetId: 'ou', ...range })).toEqual([u]);
  });
});

describe('/conversation/message/history/clean', () => {
  const clean = (app: TestApp, body: FormBody) => app.post('/conversation/message/history/clean.json', body);

  it('clears a private conversation before msgTimestamp for fromUserId only; omitted, everything', async () => {
    const T = base + 6_000_000;
    clock.set(T);
    const a = await connectDevice(t, kept, 'cl-a');
    const b = await connectDevice(t, kept, 'cl-b');
    const m: string[] = [];
    for (const [i, [from, to]] of ([['cl-a', 'cl-b'], ['cl-b', 'cl-a'], ['cl-a', 'cl-b']] as const).entries()) {
      clock.set(T + i + 1);
      m.push(uidOf(await privateSend(kept, from, to, `m${i + 1}`, { isIncludeSender: 1 })));
    }
    const other = uidOf(await privateSend(kept, 'cl-a', 'cl-c', 'other pair', { isIncludeSender: 1 }));
    const [m1, m2, m3] = m as [string, string, string];
    const range = { startTime: T, endTime: T + 100 };

    ok(await clean(kept, { conversationType: 1, fromUserId: 'cl-a', targetId: 'cl-b', msgTimestamp: T + 3 }));
    expect(uids(await history(a, { conversationType: 1, targetId: 'cl-b' }))).toEqual([m3]);
    expect(await v3Uids(kept, 'private', { userId: 'cl-a', targetId: 'cl-b', ...range })).toEqual([m3]);
    expect(uids(await history(b, { conversationType: 1, targetId: 'cl-a' }))).toEqual([m3, m2, m1]);
    expect(await v3Uids(kept, 'private', { userId: 'cl-b', targetId: 'cl-a', ...range })).toEqual([m1, m2, m3]);
    expect(uids(await history(a, { conversationType: 1, targetId: 'cl-c' }))).toEqual([other]);
    // The rows themselves stay: the clear is the user's view.
    expect(await storedRows(kept, 'conversation_key = $2', ['cl-a:cl-b'])).toHaveLength(3);

    clock.set(T + 10);
    ok(await clean(kept, { conversationType: '1', fromUserId: 'cl-b', targetId: 'cl-a' }));
    expect(uids(await history(b, { conversationType: 1, targetId: 'cl-a' }))).toEqual([]);
    expect(uids(await history(a, { conversationType: 1, targetId: 'cl-b' }))).toEqual([m3]);
    clock.set(T + 11);
    const m4 = uidOf(await privateSend(kept, 'cl-a', 'cl-b', 'after the clear', { isIncludeSender: 1 }));
    expect(uids(await history(b, { conversationType: 1, targetId: 'cl-a' }))).toEqual([m4]);
    expect(await v3Uids(kept, 'private', { userId: 'cl-b', targetId: 'cl-a', ...range })).toEqual([m4]);
    // An earlier clear after a later one does not bring cleared messages back.
    ok(await clean(kept, { conversationType: 1, fromUserId: 'cl-a', targetId: 'cl-b', msgTimestamp: T + 1 }));
    expect(uids(await history(a, { conversationType: 1, targetId: 'cl-b' }))).toEqual([m4, m3]);
  });

  it('clears a system conversation for its user', async () => {
    const T = base + 6_500_000;
    clock.set(T);
    const a = await connectDevice(t, kept, 'cs-a');
    const notice = uidOf(await kept.post('/message/system/publish.json', { fromUserId: 'cs-sys', toUserId: ['cs-a', 'cs-b'], objectName: 'RC:TxtMsg', content: txt('notice') }));
    expect(uids(await history(a, { conversationType: 6, targetId: 'cs-sys' }))).toEqual([notice]);
    clock.set(T + 1);
    ok(await clean(kept, { conversationType: 6, fromUserId: 'cs-a', targetId: 'cs-sys' }));
    expect(uids(await history(a, { conversationType: 6, targetId: 'cs-sys' }))).toEqual([]);
    const b = await connectDevice(t, kept, 'cs-b');
    expect(await history(b, { conversationType: 6, targetId: 'cs-sys' })).toMatchObject({ messages: [{ senderUserId: 'cs-sys', targetId: 'cs-sys', conversationType: 6 }] });
  });

  it('clears a group for the one member; a chatroom\'s rows for everyone', async () => {
    const T = base + 7_000_000;
    clock.set(T);
    ok(await kept.post('/group/create.json', { userId: ['cg-a', 'cg-b'], groupId: 'cg', groupName: 'C' }));
    const a = await connectDevice(t, kept, 'cg-a');
    const b = await connectDevice(t, kept, 'cg-b');
    clock.set(T + 1);
    const g1 = uidOf(await groupSend(kept, 'cg-a', 'cg', 'g1', { isIncludeSender: 1 }));
    clock.set(T + 2);
    const g2 = uidOf(await groupSend(kept, 'cg-b', 'cg', 'g2', { isIncludeSender: 1 }));
    ok(await clean(kept, { conversationType: 3, fromUserId: 'cg-a', targetId: 'cg', msgTimestamp: T + 2 }));
    expect(uids(await history(a, { conversationType: 3, targetId: 'cg' }))).toEqual([g2]);
    expect(uids(await history(b, { conversationType: 3, targetId: 'cg' }))).toEqual([g2, g1]);
    const range = { startTime: T, endTime: T + 100 };
    expect(await v3Uids(kept, 'group', { userId: 'cg-a', targetId: 'cg', ...range })).toEqual([g2]);
    expect(await v3Uids(kept, 'group', { userId: 'cg-b', targetId: 'cg', ...range })).toEqual([g1, g2]);

    ok(await kept.post('/chatroom/create.json', { 'chatroom[cr]': 'C', 'chatroom[cr2]': 'C2' }));
    const r: string[] = [];
    for (let i = 1; i <= 3; i++) {
      clock.set(T + 10 + i);
      r.push(uidOf(await chatroomSend(kept, `cr-${i}`, 'cr', `r${i}`, { isIncludeSender: 1 })));
    }
    const elsewhere = uidOf(await chatroomSend(kept, 'cr-1', 'cr2', 'other room', { isIncludeSender: 1 }));
    ok(await clean(kept, { conversationType: 4, fromUserId: 'operator', targetId: 'cr', msgTimestamp: T + 13 }));
    expect(await storedRows(kept, 'conversation_type = 4 AND conversation_key = $2', ['cr'])).toEqual([{ uid: r[2], sentTime: T + 13 }]);
    expect(await storedRows(kept, 'conversation_type = 4 AND conversation_key = $2', ['cr2'])).toEqual([{ uid: elsewhere, sentTime: T + 13 }]);
    expect(await v3Uids(kept, 'chatroom', { userId: 'cr-1', targetId: 'cr', ...range })).toEqual([r[2]]);
    ok(await clean(kept, { conversationType: 4, fromUserId: 'operator', targetId: 'cr' }));
    expect(await storedRows(kept, 'conversation_type = 4 AND conversation_key = $2', ['cr'])).toEqual([]);
  });

  it.each([
    ['conversationType 10', { conversationType: 10 }],
    ['conversationType 2', { conversationType: 2 }],
    ['no fromUserId', { fromUserId: undefined }],
    ['a non-numeric msgTimestamp', { msgTimestamp: 'yesterday' }],
  ])('refuses %s with 1002 and clears nothing', async (_label, change) => {
    const T = base + 8_000_000;
    clock.set(T);
    const a = await connectDevice(t, kept, 'cx-a');
    const sent = uidOf(await privateSend(kept, 'cx-b', 'cx-a', 'stays'));
    clock.set(T + 10);
    const res = await clean(kept, { conversationType: 1, fromUserId: 'cx-a', targetId: 'cx-b', ...change });
    expect([res.status, res.body.code]).toEqual([400, 1002]);
    expect(uids(await history(a, { conversationType: 1, targetId: 'cx-b' }))).toContain(sent);
    const states = await t.deps.sql.query<{ cleared_before: string | number }>(
      'SELECT cleared_before FROM conversation_states WHERE app_key = $1 AND user_id = $2',
      [kept.appKey, 'cx-a'],
    );
    expect(states.rows.map((s) => Number(s.cleared_before))).toEqual([0]);
    await a.close();
  });
});

describe('an app that keeps no private/group history', () => {
  it('writes no private or group rows and answers 25102, but keeps and serves ultra group history', async () => {
    const T = base + 9_000_000;
    clock.set(T);
    ok(await off.post('/group/create.json', { userId: ['of-a', 'of-b'], groupId: 'ofg', groupName: 'O' }));
    ok(await off.post('/ultragroup/create.json', { userId: 'of-a', groupId: 'ofu', groupName: 'U' }));
    const a = await connectDevice(t, off, 'of-a');
    const p1 = uidOf(await privateSend(off, 'of-b', 'of-a', 'p', { isIncludeSender: 1 }));
    const p2 = (await a.client.send({ conversationType: 1, targetId: 'of-b', objectName: 'RC:TxtMsg', content: { content: 'device' } })).messageUId;
    const g1 = uidOf(await groupSend(off, 'of-b', 'ofg', 'g', { isIncludeSender: 1 }));
    const g2 = (await a.client.send({ conversationType: 3, targetId: 'ofg', objectName: 'RC:TxtMsg', content: { content: 'device' } })).messageUId;
    expect(await storedRows(off, 'message_uid = ANY($2::text[])', [[p1, p2, g1, g2]])).toEqual([]);
    await expect(history(a, { conversationType: 1, targetId: 'of-b' })).rejects.toMatchObject({ code: 25102 });
    await expect(history(a, { conversationType: 3, targetId: 'ofg' })).rejects.toMatchObject({ code: 25102 });

    clock.set(T + 1);
    const u1 = uidOf(await ultraSend(off, 'of-a', 'ofu', 'ultra'));
    const u2 = (await a.client.send({ conversationType: 10, targetId: 'ofu', objectName: 'RC:TxtMsg', content: { content: 'ultra device' } })).messageUId;
    expect((await storedRows(off, 'message_uid = ANY($2::text[])', [[u1, u2]])).map((r) => r.uid).sort()).toEqual([u1, u2].sort());
    const page = await history(a, { conversationType: 10, targetId: 'ofu' });
    expect(new Set(uids(page))).toEqual(new Set([u1, u2]));
    expect(page.messages.map((m) => m.content).sort()).toEqual([txt('ultra'), txt('ultra device')].sort());
  });
});
