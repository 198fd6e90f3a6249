import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/core/apps.js';
import { formatTime } from '../../src/http/time-format.js';
import { ManualClock } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

const clock = new ManualClock(Date.UTC(2025, 0, 15, 12, 0, 0));
let t: TestServer;
let api: TestApp;
let app: App;

beforeAll(async () => {
  t = await startServer({ clock });
  api = t.app();
  app = t.deps.apps.get(api.appKey)!;
});
afterAll(() => t.close());

const memberIds = async (groupId: string) => (await api.post('/group/user/query.json', { groupId })).body;
const userGroups = async (userId: string) => (await api.post('/user/group/query.json', { userId })).body.groups;
const badParameter = { status: 400, body: { code: 1002 } };
const noGroup = { status: 404, body: { code: 25410 } };

describe('membership', () => {
  it('create answers 200 and the members show in /group/user/query in join order; create again renames and adds', async () => {
    expect(await api.post('/group/create.json', { userId: ['c-b', 'c-a'], groupId: 'c1', groupName: 'Climbers' })).toEqual({ status: 200, body: { code: 200 } });
    // Members who joined in the same millisecond come by id.
    expect(await memberIds('c1')).toEqual({ code: 200, users: [{ id: 'c-a' }, { id: 'c-b' }] });
    clock.advance(1);
    await api.post('/group/create.json', { userId: 'c-c', groupId: 'c1', groupName: 'Climbers 2' });
    expect((await memberIds('c1')).users).toEqual([{ id: 'c-a' }, { id: 'c-b' }, { id: 'c-c' }]);
    expect(await userGroups('c-a')).toEqual([{ id: 'c1', name: 'Climbers 2' }]);
  });

  it('create refuses bad input with 1002 and writes nothing', async () => {
    expect(await api.post('/group/create.json', { userId: 'x', groupId: 'bad1' })).toMatchObject(badParameter); // no groupName
    expect(await api.post('/group/create.json', { groupId: 'bad1', groupName: 'n' })).toMatchObject(badParameter); // no members
    expect(await api.post('/group/create.json', { userId: 'x', groupId: 'bad 1', groupName: 'n' })).toMatchObject(badParameter);
    expect(await api.post('/group/create.json', { userId: 'x', groupId: 'g'.repeat(65), groupName: 'n' })).toMatchObject(badParameter);
    expect(await api.post('/group/create.json', { userId: 'x', groupId: 'bad1', groupName: 'n'.repeat(257) })).toMatchObject(badParameter);
    const tooMany = Array.from({ length: 1001 }, (_, i) => `m${i}`);
    expect(await api.post('/group/create.json', { userId: tooMany, groupId: 'bad1', groupName: 'n' })).toMatchObject(badParameter);
    expect(await api.post('/group/create.json', { userId: ['ok', 'not ok'], groupId: 'bad1', groupName: 'n' })).toMatchObject(badParameter);
    expect(await api.post('/group/user/query.json', { groupId: 'bad1' })).toMatchObject(noGroup);
    expect(await userGroups('x')).toEqual([]);
  });

  it('join creates an absent group (named by groupName), adds to an existing one without renaming it', async () => {
    expect((await api.post('/group/join.json', { userId: 'j-a', groupId: 'j1', groupName: 'Joiners' })).body).toEqual({ code: 200 });
    expect((await api.post('/group/join.json', { userId: ['j-b', 'j-c'], groupId: 'j1', groupName: 'Other' })).body.code).toBe(200);
    expect((await api.post('/group/join.json', { userId: 'j-a', groupId: 'j2' })).body.code).toBe(200);
    expect((await memberIds('j1')).users).toEqual([{ id: 'j-a' }, { id: 'j-b' }, { id: 'j-c' }]);
    expect(await userGroups('j-a')).toEqual([{ id: 'j1', name: 'Joiners' }, { id: 'j2', name: '' }]);
    expect(await api.post('/group/join.json', { userId: 'j-d', groupId: 'j*' })).toMatchObject(badParameter);
    expect(await api.post('/group/join.json', { userId: 'j-d', groupId: 'j1', groupName: ['a', 'b'] })).toMatchObject(badParameter);
    expect(await userGroups('j-d')).toEqual([]);
  });

  it('quit removes members and keeps the group, also once empty; quitting an unknown group is no error', async () => {
    await api.post('/group/create.json', { userId: ['q-a', 'q-b'], groupId: 'q1', groupName: 'Q' });
    expect((await api.post('/group/quit.json', { userId: 'q-a', groupId: 'q1' })).body).toEqual({ code: 200 });
    expect((await memberIds('q1')).users).toEqual([{ id: 'q-b' }]);
    expect((await api.post('/group/quit.json', { userId: ['q-b', 'q-nobody'], groupId: 'q1' })).body.code).toBe(200);
    expect(await memberIds('q1')).toEqual({ code: 200, users: [] });
    expect((await api.post('/group/quit.json', { userId: 'q-a', groupId: 'q-none' })).body.code).toBe(200);
    expect(await api.post('/group/quit.json', { groupId: 'q1' })).toMatchObject(badParameter);
  });

  it('dismiss removes the group, its members, gags, mute and whitelist', async () => {
    await api.post('/group/create.json', { userId: ['d-a', 'd-b'], groupId: 'd1', groupName: 'D' });
    await api.post('/group/user/gag/add.json', { groupId: 'd1', userId: 'd-a', minute: 10 });
    await api.post('/group/ban/add.json', { groupId: 'd1' });
    await api.post('/group/user/ban/whitelist/add.json', { groupId: 'd1', userId: 'd-b' });
    expect(await api.post('/group/dismiss.json', { groupId: 'd1' })).toMatchObject(badParameter); // no operator
    expect((await api.post('/group/dismiss.json', { userId: 'd-a', groupId: 'd1' })).body).toEqual({ code: 200 });
    expect(await api.post('/group/user/query.json', { groupId: 'd1' })).toMatchObject(noGroup);
    expect(await api.post('/group/user/gag/list.json', { groupId: 'd1' })).toMatchObject(noGroup);
    expect(await userGroups('d-a')).toEqual([]);
    // A new group of that id starts clean.
    await api.post('/group/create.json', { userId: 'd-c', groupId: 'd1', groupName: 'D again' });
    expect((await memberIds('d1')).users).toEqual([{ id: 'd-c' }]);
    expect((await api.post('/group/user/gag/list.json', { groupId: 'd1' })).body.users).toEqual([]);
    expect((await api.post('/group/ban/query.json', { groupId: 'd1' })).body.groupinfo).toEqual([{ groupId: 'd1', stat: '0' }]);
    expect((await api.post('/group/user/ban/whitelist/query.json', { groupId: 'd1' })).body.userIds).toEqual([]);
    expect((await api.post('/group/dismiss.json', { userId: 'd-a', groupId: 'd-none' })).body.code).toBe(200);
  });

  it('sync replaces a user\'s groups from group[<id>]=<name> keys: joins those listed (creating them), quits the rest', async () => {
    await api.post('/group/create.json', { userId: ['s-u', 's-other'], groupId: 's-old', groupName: 'Old' });
    await api.post('/group/create.json', { userId: 's-other', groupId: 's-keep', groupName: 'Keep' });
    const synced = await api.post('/group/sync.json', { userId: 's-u', 'group[s-keep]': 'ignored name', 'group[s-new]': 'New' });
    expect(synced.body).toEqual({ code: 200 });
    expect(await userGroups('s-u')).toEqual([{ id: 's-keep', name: 'Keep' }, { id: 's-new', name: 'New' }]);
    expect((await memberIds('s-old')).users).toEqual([{ id: 's-other' }]);
    expect(await api.post('/group/sync.json', { userId: 's-u', 'group[bad id]': 'x', 'group[s-more]': 'M' })).toMatchObject(badParameter);
    expect(await api.post('/group/sync.json', { 'group[s-more]': 'M' })).toMatchObject(badParameter);
    expect(await userGroups('s-u')).toHaveLength(2);
    expect(await api.post('/group/user/query.json', { groupId: 's-more' })).toMatchObject(noGroup);
    // No group keys at all is malformed, not "in no group": refused, and the user keeps its groups.
    expect(await api.post('/group/sync.json', { userId: 's-u' })).toMatchObject(badParameter);
    expect(await api.post('/group/sync.json', { userId: 's-u' }, { json: true })).toMatchObject(badParameter);
    expect(await userGroups('s-u')).toEqual([{ id: 's-keep', name: 'Keep' }, { id: 's-new', name: 'New' }]);
  });

  it('refresh renames; an unknown group is 25410, a missing name 1002', async () => {
    await api.post('/group/create.json', { userId: 'r-a', groupId: 'r1', groupName: 'Before' });
    expect((await api.post('/group/refresh.json', { groupId: 'r1', groupName: 'After' })).body).toEqual({ code: 200 });
    expect(await userGroups('r-a')).toEqual([{ id: 'r1', name: 'After' }]);
    expect(await api.post('/group/refresh.json', { groupId: 'r-none', groupName: 'X' })).toMatchObject(noGroup);
    expect(await api.post('/group/refresh.json', { groupId: 'r1' })).toMatchObject(badParameter);
    expect(await userGroups('r-a')).toEqual([{ id: 'r1', name: 'After' }]);
  });

  it('user/query of an unknown group is 25410; without groupId 1002', async () => {
    expect(await api.post('/group/user/query.json', { groupId: 'nope' })).toMatchObject(noGroup);
    expect(await api.post('/group/user/query.json', {})).toMatchObject(badParameter);
  });
});

describe('member gags', () => {
  it('add, list (end time as yyyy-MM-dd HH:mm:ss), rollback; minute 0 is the longest gag', async () => {
    await api.post('/group/create.json', { userId: ['g-a', 'g-b', 'g-c'], groupId: 'gag1', groupName: 'G' });
    expect((await api.post('/group/user/gag/add.json', { groupId: 'gag1', userId: ['g-a', 'g-b'], minute: 30 })).body).toEqual({ code: 200 });
    expect((await api.post('/group/user/gag/add.json', { groupId: 'gag1', userId: 'g-c', minute: 0 })).body.code).toBe(200);
    const listed = await api.post('/group/user/gag/list.json', { groupId: 'gag1' });
    expect(listed.body).toEqual({
      code: 200,
      users: [
        { userId: 'g-a', time: formatTime(clock.now() + 30 * 60_000) },
        { userId: 'g-b', time: formatTime(clock.now() + 30 * 60_000) },
        { userId: 'g-c', time: formatTime(clock.now() + 43_200 * 60_000) },
      ],
    });
    expect((await api.post('/group/user/gag/rollback.json', { groupId: 'gag1', userId: ['g-a', 'g-c'] })).body).toEqual({ code: 200 });
    expect(((await api.post('/group/user/gag/list.json', { groupId: 'gag1' })).body.users as Array<{ userId: string }>).map((u) => u.userId)).toEqual(['g-b']);
  });

  it('refuses bad input (1002) and unknown groups (25410), writing nothing', async () => {
    await api.post('/group/create.json', { userId: 'gb-a', groupId: 'gag2', groupName: 'G' });
    expect(await api.post('/group/user/gag/add.json', { groupId: 'gag2', userId: 'gb-a', minute: 43_201 })).toMatchObject(badParameter);
    expect(await api.post('/group/user/gag/add.json', { groupId: 'gag2', userId: 'gb-a', minute: -1 })).toMatchObject(badParameter);
    expect(await api.post('/group/user/gag/add.json', { groupId: 'gag2', userId: 'gb-a', minute: 'ten' })).toMatchObject(badParameter);
    expect(await api.post('/group/user/gag/add.json', { groupId: 'gag2', userId: 'gb-a' })).toMatchObject(badParameter);
    const many = Array.from({ length: 21 }, (_, i) => `gb-${i}`);
    expect(await api.post('/group/user/gag/add.json', { groupId: 'gag2', userId: many, minute: 5 })).toMatchObject(badParameter);
    expect((await api.post('/group/user/gag/list.json', { groupId: 'gag2' })).body.users).toEqual([]);
    expect(await api.post('/group/user/gag/add.json', { groupId: 'gag-none', userId: 'gb-a', minute: 5 })).toMatchObject(noGroup);
    expect(await api.post('/group/user/gag/rollback.json', { groupId: 'gag-none', userId: 'gb-a' })).toMatchObject(noGroup);
    expect(await api.post('/group/user/gag/list.json', { groupId: 'gag-none' })).toMatchObject(noGroup);
    expect(await api.post('/group/user/query.json', { groupId: 'gag-none' })).toMatchObject(noGroup);
  });
});

describe('whole-group mute and its whitelist', () => {
  it('ban add / query / rollback over several groups', async () => {
    await api.post('/group/create.json', { userId: 'm-a', groupId: 'mute1', groupName: 'M1' });
    await api.post('/group/create.json', { userId: 'm-a', groupId: 'mute2', groupName: 'M2' });
    expect((await api.post('/group/ban/add.json', { groupId: ['mute1', 'mute2'] })).body).toEqual({ code: 200 });
    expect((await api.post('/group/ban/query.json', { groupId: ['mute2', 'mute1'] })).body).toEqual({
      code: 200,
      groupinfo: [{ groupId: 'mute2', stat: '1' }, { groupId: 'mute1', stat: '1' }],
    });
    expect((await api.post('/group/ban/query.json', {})).body.groupinfo).toEqual(expect.arrayContaining([{ groupId: 'mute1', stat: '1' }, { groupId: 'mute2', stat: '1' }]));
    expect((await api.post('/group/ban/rollback.json', { groupId: 'mute1' })).body).toEqual({ code: 200 });
    expect((await api.post('/group/ban/query.json', { groupId: ['mute1', 'mute2'] })).body.groupinfo).toEqual([{ groupId: 'mute1', stat: '0' }, { groupId: 'mute2', stat: '1' }]);
  });

  it('ban refuses unknown groups (25410) and more than 20 (1002), writing nothing', async () => {
    await api.post('/group/create.json', { userId: 'm-a', groupId: 'mute3', groupName: 'M3' });
    expect(await api.post('/group/ban/add.json', { groupId: ['mute3', 'mute-none'] })).toMatchObject(noGroup);
    expect(await api.post('/group/ban/add.json', { groupId: Array.from({ length: 21 }, (_, i) => `mute${i}`) })).toMatchObject(badParameter);
    expect(await api.post('/group/ban/add.json', {})).toMatchObject(badParameter);
    expect((await api.post('/group/ban/query.json', { groupId: 'mute3' })).body.groupinfo).toEqual([{ groupId: 'mute3', stat: '0' }]);
    expect(await api.post('/group/ban/rollback.json', { groupId: 'mute-none' })).toMatchObject(noGroup);
    expect(await api.post('/group/ban/query.json', { groupId: 'mute-none' })).toMatchObject(noGroup);
  });

  it('whitelist add / query / rollback; unknown group 25410, bad input 1002', async () => {
    await api.post('/group/create.json', { userId: ['w-a', 'w-b'], groupId: 'wl1', groupName: 'W' });
    expect((await api.post('/group/user/ban/whitelist/add.json', { groupId: 'wl1', userId: ['w-b', 'w-a'] })).body).toEqual({ code: 200 });
    expect((await api.post('/group/user/ban/whitelist/query.json', { groupId: 'wl1' })).body).toEqual({ code: 200, userIds: ['w-a', 'w-b'] });
    expect((await api.post('/group/user/ban/whitelist/rollback.json', { groupId: 'wl1', userId: 'w-a' })).body).toEqual({ code: 200 });
    expect((await api.post('/group/user/ban/whitelist/query.json', { groupId: 'wl1' })).body.userIds).toEqual(['w-b']);
    expect(await api.post('/group/user/ban/whitelist/add.json', { groupId: 'wl1', userId: 'w c' })).toMatchObject(badParameter);
    expect(await api.post('/group/user/ban/whitelist/add.json', { groupId: 'wl-none', userId: 'w-a' })).toMatchObject(noGroup);
    expect(await api.post('/group/user/ban/whitelist/rollback.json', { groupId: 'wl-none', userId: 'w-a' })).toMatchObject(noGroup);
    expect(await api.post('/group/user/ban/whitelist/query.json', { groupId: 'wl-none' })).toMatchObject(noGroup);
    expect((await api.post('/group/user/ban/whitelist/query.json', { groupId: 'wl1' })).body.userIds).toEqual(['w-b']);
  });
});

describe('GroupService rules for sends', () => {
  const canSend = (groupId: string, userId: string, requireMember = true) => t.deps.groups.assertCanSend(app, groupId, userId, requireMember);

  it('refuses an unknown group (25410) and a non-member when membership is required (22406)', async () => {
    await api.post('/group/create.json', { userId: 'rs-a', groupId: 'rs1', groupName: 'R' });
    await expect(canSend('rs-none', 'rs-a')).rejects.toMatchObject({ code: 25410 });
    await expect(t.deps.groups.members(app, 'rs-none')).rejects.toMatchObject({ code: 25410 });
    await expect(canSend('rs1', 'rs-a')).resolves.toBeUndefined();
    await expect(canSend('rs1', 'rs-stranger')).rejects.toMatchObject({ code: 22406 });
    await expect(canSend('rs1', 'rs-stranger', false)).resolves.toBeUndefined();
  });

  it('refuses a gagged member (22408) until the gag ends by itself or is lifted', async () => {
    await api.post('/group/create.json', { userId: ['gs-a', 'gs-b'], groupId: 'gs1', groupName: 'G' });
    await api.post('/group/user/gag/add.json', { groupId: 'gs1', userId: ['gs-a', 'gs-b'], minute: 2 });
    await expect(canSend('gs1', 'gs-a')).rejects.toMatchObject({ code: 22408 });
    await expect(canSend('gs1', 'gs-a', false)).rejects.toMatchObject({ code: 22408 });
    await api.post('/group/user/gag/rollback.json', { groupId: 'gs1', userId: 'gs-b' });
    await expect(canSend('gs1', 'gs-b')).resolves.toBeUndefined();
    clock.advance(2 * 60_000 - 1);
    await expect(canSend('gs1', 'gs-a')).rejects.toMatchObject({ code: 22408 });
    clock.advance(1);
    await expect(canSend('gs1', 'gs-a')).resolves.toBeUndefined();
    expect((await api.post('/group/user/gag/list.json', { groupId: 'gs1' })).body.users).toEqual([]);
  });

  it('a muted group refuses everyone but its whitelist (22408); unmuting lets all speak', async () => {
    await api.post('/group/create.json', { userId: ['ms-a', 'ms-b'], groupId: 'ms1', groupName: 'M' });
    await api.post('/group/ban/add.json', { groupId: 'ms1' });
    await api.post('/group/user/ban/whitelist/add.json', { groupId: 'ms1', userId: 'ms-b' });
    await expect(canSend('ms1', 'ms-a')).rejects.toMatchObject({ code: 22408 });
    await expect(canSend('ms1', 'ms-b')).resolves.toBeUndefined();
    // A whitelisted but gagged member stays silent.
    await api.post('/group/user/gag/add.json', { groupId: 'ms1', userId: 'ms-b', minute: 5 });
    await expect(canSend('ms1', 'ms-b')).rejects.toMatchObject({ code: 22408 });
    await api.post('/group/user/gag/rollback.json', { groupId: 'ms1', userId: 'ms-b' });
    await api.post('/group/ban/rollback.json', { groupId: 'ms1' });
    await expect(canSend('ms1', 'ms-a')).resolves.toBeUndefined();
  });

  it('members() is cached per node, dropped by join/quit/sync/dismiss here, and re-read after 5 s for other nodes\' changes', async () => {
    await api.post('/group/create.json', { userId: ['mc-a', 'mc-b'], groupId: 'mc1', groupName: 'C' });
    expect(await t.deps.groups.members(app, 'mc1')).toEqual(['mc-a', 'mc-b']);
    await api.post('/group/join.json', { userId: 'mc-c', groupId: 'mc1' });
    expect(await t.deps.groups.members(app, 'mc1')).toEqual(['mc-a', 'mc-b', 'mc-c']);
    await api.post('/group/quit.json', { userId: 'mc-a', groupId: 'mc1' });
    expect(await t.deps.groups.members(app, 'mc1')).toEqual(['mc-b', 'mc-c']);
    await api.post('/group/sync.json', { userId: 'mc-d', 'group[mc1]': 'C' });
    expect(await t.deps.groups.members(app, 'mc1')).toEqual(['mc-b', 'mc-c', 'mc-d']);
    await api.post('/group/sync.json', { userId: 'mc-b', 'group[mc-elsewhere]': 'E' });
    expect(await t.deps.groups.members(app, 'mc1')).toEqual(['mc-c', 'mc-d']);

    // Another node's change (written straight to the database) shows once the entry is over 5 s old.
    await t.deps.sql.query('INSERT INTO group_members (app_key, group_id, user_id, joined_at) VALUES ($1, $2, $3, $4)', [app.appKey, 'mc1', 'mc-e', clock.now() + 1]);
    clock.advance(4_999);
    expect(await t.deps.groups.members(app, 'mc1')).toEqual(['mc-c', 'mc-d']);
    clock.advance(2);
    expect(await t.deps.groups.members(app, 'mc1')).toEqual(['mc-c', 'mc-d', 'mc-e']);
    // /group/user/query (administration) always reads the database.
    await t.deps.sql.query('DELETE FROM group_members WHERE app_key = $1 AND group_id = $2 AND user_id = $3', [app.appKey, 'mc1', 'mc-c']);
    expect((await memberIds('mc1')).users).toEqual([{ id: 'mc-d' }, { id: 'mc-e' }]);

    await api.post('/group/dismiss.json', { userId: 'mc-d', groupId: 'mc1' });
    await expect(t.deps.groups.members(app, 'mc1')).rejects.toMatchObject({ code: 25410 });
  });
});
