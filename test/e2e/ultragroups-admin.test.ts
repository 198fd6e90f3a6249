import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryRow } from '../../src/store/history.js';
import { createSqlHistoryStore } from '../../src/store/history.sql.js';
import { ManualClock } from '../helpers/device.js';
import { startServer, type FormBody, type TestApp, type TestServer } from '../helpers/server.js';

const start = Date.UTC(2025, 0, 10, 12, 0, 0);
const clock = new ManualClock(start);
const day = 24 * 60 * 60 * 1000;
let t: TestServer;
let app: TestApp;

beforeAll(async () => {
  // The history rows below are dated 1970: a retention long enough to keep them readable.
  t = await startServer({ clock, apps: [{ features: { historyUltraGroupDays: 30_000 } }] });
  app = t.app(0);
});
afterAll(() => t.close());

const call = async (path: string, body: FormBody) => (await app.post(`/ultragroup/${path}.json`, body)).body;
const ok = async (path: string, body: FormBody) => expect(await call(path, body)).toEqual({ code: 200 });
const code = async (path: string, body: FormBody) => (await call(path, body)).code;
const rules = () => t.deps.ultraGroups;
const sendCode = (groupId: string, busChannel: string, userId: string) =>
  rules().assertCanSend(app, groupId, busChannel, userId).then(() => 200, (err: { code: number }) => err.code);

describe('groups and members', () => {
  it('creates, joins, quits, renames, checks membership and dismisses', async () => {
    await ok('create', { userId: 'owner', groupId: 'ug1', groupName: 'Ultra one' });
    expect(await call('member/exist', { groupId: 'ug1', userId: 'owner' })).toEqual({ code: 200, status: true });
    expect(await call('member/exist', { groupId: 'ug1', userId: 'ann' })).toEqual({ code: 200, status: false });
    await ok('join', { groupId: 'ug1', userId: 'ann' });
    await ok('join', { groupId: 'ug1', userId: 'ann' }); // idempotent
    expect(await rules().audience(app, 'ug1', '')).toEqual(['ann', 'owner']);
    await ok('refresh', { groupId: 'ug1', groupName: 'Renamed' });
    await ok('quit', { groupId: 'ug1', userId: 'ann' });
    expect(await call('member/exist', { groupId: 'ug1', userId: 'ann' })).toMatchObject({ status: false });
    expect(await rules().audience(app, 'ug1', 'RCDefault')).toEqual(['owner']);

    await ok('dis', { groupId: 'ug1' });
    expect(await code('member/exist', { groupId: 'ug1', userId: 'owner' })).toBe(24410);
    expect(await sendCode('ug1', '', 'owner')).toBe(24410);
  });

  it('answers 24410 for an unknown group and 1002 for bad input, writing nothing', async () => {
    for (const [path, body] of [
      ['dis', { groupId: 'nope' }],
      ['join', { groupId: 'nope', userId: 'u' }],
      ['quit', { groupId: 'nope', userId: 'u' }],
      ['refresh', { groupId: 'nope', groupName: 'x' }],
      ['channel/create', { groupId: 'nope', busChannel: 'c1' }],
      ['channel/get', { groupId: 'nope' }],
      ['userbanned/add', { groupId: 'nope', userIds: 'a' }],
      ['globalbanned/get', { groupId: 'nope' }],
    ] as const) expect(await code(path, body), path).toBe(24410);
    expect(await code('create', { userId: 'o', groupId: 'bad id!', groupName: 'x' })).toBe(1002);
    expect(await code('create', { userId: 'o', groupId: 'g-missing-name' })).toBe(1002);
    expect(await code('join', { groupId: 'g-missing-name', userId: 'o' })).toBe(24410);
  });
});

describe('channels', () => {
  beforeAll(async () => {
    await ok('create', { userId: 'own', groupId: 'ch', groupName: 'Channels' });
    await ok('join', { groupId: 'ch', userId: 'mem' });
  });

  it('creates, lists, retypes and deletes channels', async () => {
    await ok('channel/create', { groupId: 'ch', busChannel: 'pub1' });
    clock.advance(1000);
    await ok('channel/create', { groupId: 'ch', busChannel: 'priv1', type: 1 });
    const { channelList } = await call('channel/get', { groupId: 'ch', page: 1, limit: 20 });
    expect(channelList).toEqual([
      { channelId: 'pub1', type: 0, createTime: '2025-01-10 12:00:00' },
      { channelId: 'priv1', type: 1, createTime: '2025-01-10 12:00:01' },
    ]);
    expect((await call('channel/get', { groupId: 'ch', page: 2, limit: 1 })).channelList).toEqual([expect.objectContaining({ channelId: 'priv1' })]);
    await ok('channel/type/change', { groupId: 'ch', busChannel: 'pub1', type: 1 });
    expect((await call('channel/get', { groupId: 'ch' })).channelList).toMatchObject([{ channelId: 'pub1', type: 1 }, { channelId: 'priv1', type: 1 }]);
    await ok('channel/type/change', { groupId: 'ch', busChannel: 'pub1', type: 0 });
    await ok('channel/del', { groupId: 'ch', busChannel: 'priv1' });
    expect((await call('channel/get', { groupId: 'ch' })).channelList).toMatchObject([{ channelId: 'pub1' }]);
    expect(await sendCode('ch', 'priv1', 'mem')).toBe(24414);
  });

  it('answers 24414 for an unknown channel and 1002 for bad channels, writing nothing', async () => {
    expect(await code('channel/del', { groupId: 'ch', busChannel: 'ghost' })).toBe(24414);
    expect(await code('channel/type/change', { groupId: 'ch', busChannel: 'ghost', type: 1 })).toBe(24414);
    expect(await code('channel/private/users/add', { groupId: 'ch', busChannel: 'ghost', userIds: 'mem' })).toBe(24414);
    expect(await code('userbanned/add', { groupId: 'ch', busChannel: 'ghost', userIds: 'mem' })).toBe(24414);
    expect(await code('globalbanned/set', { groupId: 'ch', busChannel: 'ghost', status: true })).toBe(24414);
    expect(await code('hismsg/query', { groupId: 'ch', busChannel: 'ghost', startTime: 0, endTime: 1000 })).toBe(24414);
    await expect(rules().audience(app, 'ch', 'ghost')).rejects.toMatchObject({ code: 24414 });

    expect(await code('channel/create', { groupId: 'ch', busChannel: 'a'.repeat(21) })).toBe(1002);
    expect(await code('channel/create', { groupId: 'ch', busChannel: 'has-dash' })).toBe(1002);
    expect(await code('channel/create', { groupId: 'ch', busChannel: 'RCDefault' })).toBe(1002);
    expect(await code('channel/create', { groupId: 'ch', busChannel: 'ok1', type: 2 })).toBe(1002);
    expect(await code('channel/del', { groupId: 'ch', busChannel: '' })).toBe(1002);
    expect((await call('channel/get', { groupId: 'ch' })).channelList).toMatchObject([{ channelId: 'pub1' }]);
  });

  it('keeps a private channel to its users: audience, sends, quitting', async () => {
    await ok('channel/create', { groupId: 'ch', busChannel: 'secret', type: 1 });
    await ok('join', { groupId: 'ch', userId: 'in1' });
    await ok('join', { groupId: 'ch', userId: 'in2' });
    expect(await rules().audience(app, 'ch', 'secret')).toEqual([]);
    await ok('channel/private/users/add', { groupId: 'ch', busChannel: 'secret', userIds: 'in1,in2,outsider' });
    expect(await call('channel/private/users/get', { groupId: 'ch', busChannel: 'secret', page: 1, pageSize: 10 })).toEqual({ code: 200, users: ['in1', 'in2', 'outsider'] });
    expect((await call('channel/private/users/get', { groupId: 'ch', busChannel: 'secret', page: 2, pageSize: 2 })).users).toEqual(['outsider']);
    // Only members of the group read a private channel.
    expect(await rules().audience(app, 'ch', 'secret')).toEqual(['in1', 'in2']);
    expect(await rules().audience(app, 'ch', '')).toEqual(['in1', 'in2', 'mem', 'own']);
    expect(await sendCode('ch', 'secret', 'in1')).toBe(200);
    expect(await sendCode('ch', 'secret', 'mem')).toBe(24416);
    expect(await sendCode('ch', 'secret', 'outsider')).toBe(24406);
    expect(await sendCode('ch', 'pub1', 'mem')).toBe(200);

    await ok('channel/private/users/del', { groupId: 'ch', busChannel: 'secret', userIds: 'in2' });
    expect(await rules().audience(app, 'ch', 'secret')).toEqual(['in1']);
    await ok('quit', { groupId: 'ch', userId: 'in1' });
    expect(await rules().audience(app, 'ch', 'secret')).toEqual([]);
    expect(await rules().audience(app, 'ch', '')).not.toContain('in1');
    expect(await sendCode('ch', 'secret', 'in1')).toBe(24406);
    // Made public, the channel is read by every member.
    await ok('channel/type/change', { groupId: 'ch', busChannel: 'secret', type: 0 });
    expect(await rules().audience(app, 'ch', 'secret')).toEqual(['in2', 'mem', 'own']);
  });

  it('caches the audience per node: changes through the service show at once, others within 5 s', async () => {
    await ok('create', { userId: 'c-own', groupId: 'cache', groupName: 'Cache' });
    expect(await rules().audience(app, 'cache', '')).toEqual(['c-own']);
    // A change made behind the service (another node) is not seen until the entry is over 5 s old.
    await t.deps.sql.query("INSERT INTO ultra_group_members (app_key, group_id, user_id, joined_at) VALUES ($1, 'cache', 'c-other', 0)", [app.appKey]);
    expect(await rules().audience(app, 'cache', '')).toEqual(['c-own']);
    clock.advance(4_999);
    expect(await rules().audience(app, 'cache', '')).toEqual(['c-own']);
    clock.advance(2);
    expect(await rules().audience(app, 'cache', '')).toEqual(['c-other', 'c-own']);
    // A change through this node's service drops the entry at once.
    await ok('join', { groupId: 'cache', userId: 'c-new' });
    expect(await rules().audience(app, 'cache', 'RCDefault')).toEqual(['c-new', 'c-other', 'c-own']);
    await ok('dis', { groupId: 'cache' });
    await expect(rules().audience(app, 'cache', '')).rejects.toMatchObject({ code: 24410 });
  });
});

describe('mutes', () => {
  beforeAll(async () => {
    await ok('create', { userId: 'm-own', groupId: 'mute', groupName: 'Mute' });
    for (const userId of ['m-a', 'm-b', 'm-c']) await ok('join', { groupId: 'mute', userId });
    await ok('channel/create', { groupId: 'mute', busChannel: 'news' });
  });

  it('mutes users in the whole group or in one channel', async () => {
    expect(await sendCode('mute', '', 'm-a')).toBe(200);
    expect(await sendCode('mute', '', 'stranger')).toBe(24406);
    await ok('userbanned/add', { groupId: 'mute', userIds: 'm-a,m-b' });
    expect(await call('userbanned/get', { groupId: 'mute', page: 1, pageSize: 10 })).toEqual({ code: 200, users: [{ id: 'm-a' }, { id: 'm-b' }] });
    expect(await sendCode('mute', '', 'm-a')).toBe(24408);
    expect(await sendCode('mute', 'news', 'm-a')).toBe(24408);
    await ok('userbanned/del', { groupId: 'mute', userIds: 'm-a' });
    expect(await sendCode('mute', '', 'm-a')).toBe(200);
    expect((await call('userbanned/get', { groupId: 'mute' })).users).toEqual([{ id: 'm-b' }]);
    await ok('userbanned/del', { groupId: 'mute', userIds: 'm-b' });

    await ok('userbanned/add', { groupId: 'mute', busChannel: 'news', userIds: 'm-c' });
    expect(await sendCode('mute', 'news', 'm-c')).toBe(24408);
    expect(await sendCode('mute', '', 'm-c')).toBe(200);
    expect((await call('userbanned/get', { groupId: 'mute', busChannel: 'news' })).users).toEqual([{ id: 'm-c' }]);
    expect((await call('userbanned/get', { groupId: 'mute' })).users).toEqual([]);
    await ok('userbanned/del', { groupId: 'mute', busChannel: 'news', userIds: 'm-c' });
  });

  it('mutes a whole group or channel, except its whitelist', async () => {
    await ok('globalbanned/set', { groupId: 'mute', status: true });
    expect(await call('globalbanned/get', { groupId: 'mute' })).toEqual({ code: 200, status: true });
    expect(await call('globalbanned/get', { groupId: 'mute', busChannel: 'news' })).toEqual({ code: 200, status: false });
    expect(await sendCode('mute', '', 'm-a')).toBe(24408);
    expect(await sendCode('mute', 'news', 'm-a')).toBe(24408);
    await ok('banned/whitelist/add', { groupId: 'mute', userIds: 'm-a' });
    expect(await call('banned/whitelist/get', { groupId: 'mute' })).toEqual({ code: 200, users: [{ id: 'm-a' }] });
    expect(await sendCode('mute', '', 'm-a')).toBe(200);
    expect(await sendCode('mute', 'news', 'm-a')).toBe(200);
    expect(await sendCode('mute', '', 'm-b')).toBe(24408);
    await ok('banned/whitelist/del', { groupId: 'mute', userIds: 'm-a' });
    expect(await sendCode('mute', '', 'm-a')).toBe(24408);
    await ok('globalbanned/set', { groupId: 'mute', status: false });
    expect(await call('globalbanned/get', { groupId: 'mute' })).toMatchObject({ status: false });
    expect(await sendCode('mute', '', 'm-a')).toBe(200);

    // Channel-wide: only that channel, whitelist of the channel.
    await ok('globalbanned/set', { groupId: 'mute', busChannel: 'news', status: 'true' });
    await ok('banned/whitelist/add', { groupId: 'mute', busChannel: 'news', userIds: 'm-b' });
    expect(await sendCode('mute', 'news', 'm-a')).toBe(24408);
    expect(await sendCode('mute', 'news', 'm-b')).toBe(200);
    expect(await sendCode('mute', '', 'm-a')).toBe(200);
    // A user mute is not lifted by the whitelist.
    await ok('userbanned/add', { groupId: 'mute', userIds: 'm-b' });
    expect(await sendCode('mute', 'news', 'm-b')).toBe(24408);
  });

  it('refuses bad mute input with 1002, writing nothing', async () => {
    const many = Array.from({ length: 21 }, (_, i) => `u${i}`).join(',');
    expect(await code('userbanned/add', { groupId: 'mute', userIds: many })).toBe(1002);
    expect(await code('userbanned/add', { groupId: 'mute', userIds: 'ok,bad id' })).toBe(1002);
    expect(await code('userbanned/add', { groupId: 'mute', userIds: 'x', busChannel: 'bad-chan' })).toBe(1002);
    expect(await code('banned/whitelist/add', { groupId: 'mute' })).toBe(1002);
    expect(await code('globalbanned/set', { groupId: 'mute', status: 'maybe' })).toBe(1002);
    expect((await call('userbanned/get', { groupId: 'mute' })).users).toEqual([{ id: 'm-b' }]);
  });
});

interface ExpansionItem {
  msgUID: string;
  expansion: boolean;
  extraContent: string;
}

describe('history', () => {
  const row = (uid: string, sentTime: number, extra: Partial<HistoryRow> = {}): HistoryRow => ({
    conversationType: 10, conversationKey: 'hist', busChannel: '', sentTime, messageUId: uid, fromUserId: 'h-a', targetId: 'hist',
    objectName: 'RC:TxtMsg', content: JSON.stringify({ content: uid }), senderVisible: true, counted: true, expansion: false, ...extra,
  });

  beforeAll(async () => {
    await ok('create', { userId: 'h-a', groupId: 'hist', groupName: 'History' });
    await ok('channel/create', { groupId: 'hist', busChannel: 'side' });
    await createSqlHistoryStore(t.deps.sql).commit(app.appKey, [
      row('H000-0000-0000-0001', 1000),
      row('H000-0000-0000-0002', 2000, { fromUserId: 'h-b' }),
      row('H000-0000-0000-0003', 3000),
      row('H000-0000-0000-0004', 2500, { busChannel: 'side' }),
      row('H000-0000-0000-0005', 2000, { conversationKey: 'other', targetId: 'other' }),
      row('H000-0000-0000-0006', 2000, { conversationType: 3 }),
    ]);
  });

  it('queries a channel with startTime < t <= endTime, oldest first', async () => {
    const result = await call('hismsg/query', { groupId: 'hist', busChannel: 'RCDefault', startTime: 1000, endTime: 3000 });
    expect(result).toEqual({
      code: 200,
      data: [
        { groupId: 'hist', busChannel: 'RCDefault', fromUserId: 'h-b', msgUID: 'H000-0000-0000-0002', msgTime: 2000, objectName: 'RC:TxtMsg', conversionType: 10, content: '{"content":"H000-0000-0000-0002"}', expansion: false, extraContent: '{}' },
        { groupId: 'hist', busChannel: 'RCDefault', fromUserId: 'h-a', msgUID: 'H000-0000-0000-0003', msgTime: 3000, objectName: 'RC:TxtMsg', conversionType: 10, content: '{"content":"H000-0000-0000-0003"}', expansion: false, extraContent: '{}' },
      ],
    });
    const uids = async (body: FormBody) => ((await call('hismsg/query', { groupId: 'hist', ...body })).data as Array<{ msgUID: string }>).map((m) => m.msgUID);
    expect(await uids({ startTime: 0, endTime: 5000, pageSize: 2 })).toEqual(['H000-0000-0000-0001', 'H000-0000-0000-0002']);
    expect(await uids({ startTime: 0, endTime: 5000, fromUserId: 'h-a' })).toEqual(['H000-0000-0000-0001', 'H000-0000-0000-0003']);
    expect(await uids({ busChannel: 'side', startTime: 0, endTime: 5000 })).toEqual(['H000-0000-0000-0004']);
    expect(await uids({ startTime: 3000, endTime: 5000 })).toEqual([]);
  });

  it('refuses bad times and sizes with 1002, an unknown group with 24410', async () => {
    const bad = [
      { startTime: 3000, endTime: 1000 },
      { startTime: 1000, endTime: 1000 },
      { startTime: 0, endTime: 14 * day + 1 },
      { startTime: 'soon', endTime: 1000 },
      { endTime: 1000 },
      { startTime: 0, endTime: 1000, pageSize: 101 },
      { startTime: 0, endTime: 1000, pageSize: 0 },
      { startTime: 0, endTime: 1000, busChannel: 'x'.repeat(21) },
    ];
    for (const body of bad) expect(await code('hismsg/query', { groupId: 'hist', ...body }), JSON.stringify(body)).toBe(1002);
    expect(await code('hismsg/query', { groupId: 'hist', startTime: 0, endTime: 14 * day })).toBe(200);
    expect(await code('hismsg/query', { groupId: 'nope', startTime: 0, endTime: 1000 })).toBe(24410);
  });

  it('gets a message with its neighbours in its channel (hismsg/msgid/query)', async () => {
    const around = async (body: FormBody) => ((await call('hismsg/msgid/query', { groupId: 'hist', ...body })).data as Array<{ msgUID: string; msgTime: number }>).map((m) => m.msgUID);
    expect(await around({ msgUID: 'H000-0000-0000-0002', prevNum: 1, lastNum: 1 })).toEqual(['H000-0000-0000-0001', 'H000-0000-0000-0002', 'H000-0000-0000-0003']);
    expect(await around({ msgUID: 'H000-0000-0000-0002', prevNum: 0, lastNum: 0 })).toEqual(['H000-0000-0000-0002']);
    expect(await around({ msgUID: 'H000-0000-0000-0003' })).toEqual(['H000-0000-0000-0001', 'H000-0000-0000-0002', 'H000-0000-0000-0003']);
    expect(await around({ msgUID: 'H000-0000-0000-0004', busChannel: 'side' })).toEqual(['H000-0000-0000-0004']);
    expect(await code('hismsg/msgid/query', { groupId: 'hist', msgUID: 'H000-0000-0000-0004' })).toBe(404);
    expect(await code('hismsg/msgid/query', { groupId: 'hist', msgUID: 'H000-0000-0000-0005' })).toBe(404);
    expect(await code('hismsg/msgid/query', { groupId: 'hist', msgUID: 'H000-0000-0000-0002', prevNum: 51 })).toBe(1002);
    expect(await code('hismsg/msgid/query', { groupId: 'hist' })).toBe(1002);
    expect(await code('hismsg/msgid/query', { groupId: 'nope', msgUID: 'H000-0000-0000-0002' })).toBe(24410);
  });

  it('gets messages by msgUID in the order asked, in their channel only', async () => {
    const msgs = JSON.stringify([
      { msgUID: 'H000-0000-0000-0004', busChannel: 'side' },
      { msgUID: 'H000-0000-0000-0001', busChannel: '' },
      { msgUID: 'H000-0000-0000-0003', busChannel: 'side' }, // wrong channel
      { msgUID: 'H000-0000-0000-0005' }, // another group
      { msgUID: 'NONE-0000-0000-0000' },
    ]);
    expect(await call('msg/get', { groupId: 'hist', msgs })).toEqual({
      code: 200,
      data: [
        { fromUserId: 'h-a', groupId: 'hist', sentTime: 2500, busChannel: 'side', msgUID: 'H000-0000-0000-0004', objectName: 'RC:TxtMsg', content: '{"content":"H000-0000-0000-0004"}', expansion: false, extraContent: '{}' },
        { fromUserId: 'h-a', groupId: 'hist', sentTime: 1000, busChannel: '', msgUID: 'H000-0000-0000-0001', objectName: 'RC:TxtMsg', content: '{"content":"H000-0000-0000-0001"}', expansion: false, extraContent: '{}' },
      ],
    });
    // Items without busChannel take the top-level one.
    const topLevel = await call('msg/get', { groupId: 'hist', busChannel: 'side', msgs: JSON.stringify([{ msgUID: 'H000-0000-0000-0004' }, { msgUID: 'H000-0000-0000-0001' }]) });
    expect((topLevel.data as Array<{ msgUID: string }>).map((m) => m.msgUID)).toEqual(['H000-0000-0000-0004']);
    expect(await code('msg/get', { groupId: 'hist', msgs: 'not json' })).toBe(1002);
    expect(await code('msg/get', { groupId: 'hist', msgs: '[]' })).toBe(1002);
    expect(await code('msg/get', { groupId: 'nope', msgs })).toBe(24410);
  });

  it('shows whether a message was sent with expansion, and its key/values as sent and as set later', async () => {
    const sent = await app.post(
      '/message/ultragroup/publish.json',
      { fromUserId: 'h-a', toGroupIds: ['hist'], busChannel: 'side', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'expandable' }), expansion: true, extraContent: JSON.stringify({ k: 'v' }) },
      { json: true },
    );
    expect(sent.body.code, JSON.stringify(sent.body)).toBe(200);
    const msgUID = sent.body.messageUID as string;
    const sentTime = clock.now();
    const expansionShown = async () => {
      const queried = await call('hismsg/query', { groupId: 'hist', busChannel: 'side', startTime: sentTime - 1, endTime: sentTime });
      const got = await call('msg/get', { groupId: 'hist', msgs: JSON.stringify([{ msgUID, busChannel: 'side' }]) });
      const items = [...(queried.data as ExpansionItem[]), ...(got.data as ExpansionItem[])];
      return items.map((item) => ({ msgUID: item.msgUID, expansion: item.expansion, extraContent: JSON.parse(item.extraContent) as unknown }));
    };

    const asSent = { msgUID, expansion: true, extraContent: { k: { v: 'v', ts: sentTime } } };
    expect(await expansionShown()).toEqual([asSent, asSent]);

    clock.advance(1000);
    await ok('message/expansion/set', { msgUID, userId: 'h-b', groupId: 'hist', busChannel: 'side', extraKeyVal: JSON.stringify({ k2: 'v2' }) });
    const afterSet = { ...asSent, extraContent: { ...asSent.extraContent, k2: { v: 'v2', ts: sentTime + 1000 } } };
    expect(await expansionShown()).toEqual([afterSet, afterSet]);
  });
});
