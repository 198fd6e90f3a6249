import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

// Request shapes as rongcloud/server-sdk-go (sdk/friend.go) and server-sdk-java (Friend.java) send them.
let t: TestServer;
let app: TestApp;
beforeAll(async () => {
  t = await startServer();
  app = t.app();
  for (const userId of ['f-ann', 'f-bob', 'f-cy', 'f-dan']) await app.post('/user/getToken.json', { userId, name: `N ${userId}` });
});
afterAll(() => t.close());

const check = async (userId: string, targetIds: string) => (await app.post('/friend/check.json', { userId, targetIds })).body.results;

describe('friends as the Go and Java SDKs call them', () => {
  it('adds (optType 2 directly), checks with the documented codes 1–4, lists, deletes with comma-joined targetIds', async () => {
    expect((await app.post('/friend/add.json', { userId: 'f-ann', targetId: 'f-bob', optType: 2, extra: 'hi' })).body.code).toBe(200);
    expect((await app.post('/friend/add.json', { userId: 'f-ann', targetId: 'f-cy', optType: 2, directionType: 1 })).body.code).toBe(200);
    expect((await app.post('/friend/add.json', { userId: 'f-dan', targetId: 'f-ann', directionType: 1 })).body.code).toBe(200);
    expect(await check('f-ann', 'f-bob,f-cy,f-dan,f-zed')).toEqual([
      { userId: 'f-bob', result: 1 },
      { userId: 'f-cy', result: 3 },
      { userId: 'f-dan', result: 4 },
      { userId: 'f-zed', result: 2 },
    ]);

    const first = (await app.post('/friend/get.json', { userId: 'f-ann', size: 1 })).body;
    expect(first).toMatchObject({ code: 200, totalCount: 2, friendList: [{ userId: 'f-bob', name: 'N f-bob', remarkName: '', friendExtProfile: '', time: expect.any(Number) }] });
    const second = (await app.post('/friend/get.json', { userId: 'f-ann', size: 1, pageToken: first.pageToken as string })).body;
    expect(second).toMatchObject({ totalCount: 2, pageToken: '', friendList: [{ userId: 'f-cy' }] });
    const newest = (await app.post('/friend/get.json', { userId: 'f-ann', order: 1 })).body;
    expect((newest.friendList as Array<{ userId: string }>).map((f) => f.userId)).toEqual(['f-cy', 'f-bob']);

    expect((await app.post('/friend/delete.json', { userId: 'f-ann', targetIds: 'f-bob,f-cy' })).body.code).toBe(200);
    expect(await check('f-ann', 'f-bob,f-cy')).toEqual([{ userId: 'f-bob', result: 2 }, { userId: 'f-cy', result: 2 }]);
  });

  it('optType 1 follows the target\'s level: 1 adds, 2 is 25461 and 3 is 25471 with nothing added; optType 2 adds anyway', async () => {
    expect((await app.post('/friend/permission/set.json', { userIds: 'f-bob,f-cy', permissionType: 2 })).body.code).toBe(200);
    expect((await app.post('/friend/permission/set.json', { userIds: 'f-dan', permissionType: 3 })).body.code).toBe(200);
    expect((await app.post('/friend/permission/get.json', { userIds: 'f-ann,f-bob,f-dan' })).body.permissionSettings).toEqual([
      { userId: 'f-ann', type: 1 },
      { userId: 'f-bob', type: 2 },
      { userId: 'f-dan', type: 3 },
    ]);
    expect((await app.post('/friend/add.json', { userId: 'f-ann', targetId: 'f-bob', optType: 1 })).body.code).toBe(25461);
    expect((await app.post('/friend/add.json', { userId: 'f-ann', targetId: 'f-dan' })).body.code).toBe(25471);
    expect(await check('f-ann', 'f-bob,f-dan')).toEqual([{ userId: 'f-bob', result: 2 }, { userId: 'f-dan', result: 4 }]);
    expect((await app.post('/friend/add.json', { userId: 'f-bob', targetId: 'f-ann', optType: 1 })).body.code).toBe(200);
    expect((await app.post('/friend/add.json', { userId: 'f-ann', targetId: 'f-dan', optType: 2 })).body.code).toBe(200);
    expect(await check('f-ann', 'f-bob,f-dan')).toEqual([{ userId: 'f-bob', result: 1 }, { userId: 'f-dan', result: 1 }]);
  });

  it('clean ends every friendship of the user, both ways', async () => {
    expect((await app.post('/friend/clean.json', { userId: 'f-ann' })).body.code).toBe(200);
    expect(await check('f-ann', 'f-bob,f-dan')).toEqual([{ userId: 'f-bob', result: 2 }, { userId: 'f-dan', result: 2 }]);
    expect((await app.post('/friend/get.json', { userId: 'f-dan' })).body).toMatchObject({ totalCount: 0, friendList: [] });
  });
});

describe('bad friend input gets 1002 and changes nothing', () => {
  it.each([
    ['/friend/add.json', { userId: 'f-ann', targetId: 'f-cy', optType: 3 }],
    ['/friend/add.json', { userId: 'f-ann', targetId: 'f-ann', optType: 2 }],
    ['/friend/add.json', { userId: 'f-ann', targetId: 'f-cy', optType: 2, directionType: 3 }],
    ['/friend/add.json', { userId: 'f-ann', targetId: 'f-cy', optType: 2, extra: 'x'.repeat(129) }],
    ['/friend/delete.json', { userId: 'f-ann' }],
    ['/friend/check.json', { userId: 'f-ann', targetIds: Array.from({ length: 21 }, (_, i) => `t${i}`).join(',') }],
    ['/friend/get.json', { userId: 'f-ann', size: 101 }],
    ['/friend/get.json', { userId: 'f-ann', pageToken: 'nonsense' }],
    ['/friend/permission/set.json', { userIds: 'f-cy', permissionType: 4 }],
    ['/friend/permission/set.json', { permissionType: 1 }],
  ])('%s %j', async (path, body) => {
    const res = await app.post(path, body);
    expect([res.status, res.body.code]).toEqual([400, 1002]);
  });

  it('wrote none of it', async () => {
    expect((await app.post('/friend/get.json', { userId: 'f-ann' })).body.friendList).toEqual([]);
    expect((await app.post('/friend/permission/get.json', { userIds: 'f-cy' })).body.permissionSettings).toEqual([{ userId: 'f-cy', type: 2 }]);
  });
});
