import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, TestServer } from '../helpers/server.js';
import { tencentServer, type TencentCaller } from '../helpers/tencent.js';

/** Tencent IM's `sns` (docs/tencent-im.md "Friends and blocklist") on the v1 permission model. */
let t: TestServer;
let app: TestApp;
let tim: TencentCaller;
const sdkAppId = 1400000003;
const secretKey = 'tencent-secret-key-for-sns-tests';

beforeAll(async () => {
  ({ t, app, tim } = await tencentServer(sdkAppId, secretKey));
});
afterAll(() => t.close());

let n = 0;
const uid = (name: string) => `tims-${name}${++n}`;
const relations = async (from: string, to: string[], CheckType?: string) =>
  ((await tim.call('sns/friend_check', { From_Account: from, To_Account: to, ...(CheckType && { CheckType }) })).InfoItem as Array<{ Relation: string }>).map((i) => i.Relation);
const blocks = async (from: string, to: string[], CheckType?: string) =>
  ((await tim.call('sns/black_list_check', { From_Account: from, To_Account: to, ...(CheckType && { CheckType }) })).BlackListCheckItem as Array<{ Relation: string }>).map((i) => i.Relation);
const sendmsg = (from: string, to: string) => tim.call('openim/sendmsg', { From_Account: from, To_Account: to, MsgRandom: Math.floor(Math.random() * 1e9), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }] });

describe('sns friends', () => {
  it('friend_add both ways and one way; friend_check tells the relations; friend_delete ends them', async () => {
    const [a, b, c, d] = [uid('a'), uid('b'), uid('c'), uid('d')];
    expect(await tim.call('sns/friend_add', { From_Account: a, AddFriendItem: [{ To_Account: b, AddSource: 'AddSource_Type_Web' }], ForceAddFlags: 1 })).toMatchObject({
      ActionStatus: 'OK',
      ResultItem: [{ To_Account: b, ResultCode: 0 }],
      Fail_Account: [],
    });
    await tim.call('sns/friend_add', { From_Account: a, AddFriendItem: [{ To_Account: c }], AddType: 'Add_Type_Single' });
    await tim.call('sns/friend_add', { From_Account: d, AddFriendItem: [{ To_Account: a }], AddType: 'Add_Type_Single' });
    expect(await relations(a, [b, c, d, uid('x')])).toEqual(['CheckResult_Type_BothWay', 'CheckResult_Type_AWithB', 'CheckResult_Type_BWithA', 'CheckResult_Type_NoRelation']);
    expect(await relations(a, [b, d], 'CheckResult_Type_Single')).toEqual(['CheckResult_Type_AWithB', 'CheckResult_Type_NoRelation']);
    // The v1 API sees the same friendships.
    expect((await app.post('/friend/check.json', { userId: a, targetIds: b })).body).toMatchObject({ results: [{ userId: b, result: 1 }] });
    expect(await tim.call('sns/friend_delete', { From_Account: a, To_Account: [b] })).toMatchObject({ ActionStatus: 'OK', ResultItem: [{ To_Account: b, ResultCode: 0 }] });
    expect(await relations(a, [b])).toEqual(['CheckResult_Type_NoRelation']);
  });

  it('a target who accepts no requests fails its own item with 30516, the others are added', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    await app.post('/friend/permission/set.json', { userIds: b, permissionType: 3 });
    expect(await tim.call('sns/friend_add', { From_Account: a, AddFriendItem: [{ To_Account: b }, { To_Account: c }] })).toMatchObject({
      ActionStatus: 'OK',
      ResultItem: [{ To_Account: b, ResultCode: 30516 }, { To_Account: c, ResultCode: 0 }],
      Fail_Account: [b],
    });
    expect(await relations(a, [b, c])).toEqual(['CheckResult_Type_NoRelation', 'CheckResult_Type_BothWay']);
  });

  it('bad input is 30001 and adds nothing', async () => {
    const [a, b] = [uid('a'), uid('b')];
    expect(await tim.call('sns/friend_add', { From_Account: a, AddFriendItem: [{ To_Account: b }], AddType: 'Add_Type_Sideways' })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 30001 });
    expect(await relations(a, [b])).toEqual(['CheckResult_Type_NoRelation']);
    // Not an administrator: sns's own code (30004), not the parameter one.
    expect(await tim.call('sns/friend_add', { From_Account: a, AddFriendItem: [{ To_Account: b }] }, { identifier: 'someone' })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 30004 });
    expect(await relations(a, [b])).toEqual(['CheckResult_Type_NoRelation']);
  });
});

describe('sns blocklist', () => {
  it('black_list_add blocks sends to the account (20007), black_list_check tells who blocks whom, black_list_delete lifts it', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    expect(await tim.call('sns/black_list_add', { From_Account: b, To_Account: [a] })).toMatchObject({ ActionStatus: 'OK', ResultItem: [{ To_Account: a, ResultCode: 0 }] });
    await tim.call('sns/black_list_add', { From_Account: a, To_Account: [c] });
    expect(await sendmsg(a, b)).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 20007 });
    expect(await blocks(a, [b, c, uid('x')])).toEqual(['BlackCheckResult_Type_BWithA', 'BlackCheckResult_Type_AWithB', 'BlackCheckResult_Type_NO']);
    expect(await blocks(a, [b, c], 'BlackCheckResult_Type_Single')).toEqual(['BlackCheckResult_Type_NO', 'BlackCheckResult_Type_AWithB']);
    // The v1 API sees the same blocklist.
    expect((await app.post('/user/blacklist/query.json', { userId: b })).body).toMatchObject({ users: [a] });
    expect(await tim.call('sns/black_list_delete', { From_Account: b, To_Account: [a] })).toMatchObject({ ActionStatus: 'OK' });
    expect(await sendmsg(a, b)).toMatchObject({ ActionStatus: 'OK' });
  });
});
