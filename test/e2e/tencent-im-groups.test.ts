import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import type { TestApp, TestServer } from '../helpers/server.js';
import { tencentServer, type TencentCaller } from '../helpers/tencent.js';

/** Tencent IM's `group_open_http_svc` (docs/tencent-im.md "Groups") over the v1 group services. */
let t: TestServer;
let app: TestApp;
let tim: TencentCaller;
const sdkAppId = 1400000004;
const secretKey = 'tencent-secret-key-for-group-tests';

beforeAll(async () => {
  ({ t, app, tim } = await tencentServer(sdkAppId, secretKey));
});
afterAll(() => t.close());

let n = 0;
const uid = (name: string) => `timg-${name}${++n}`;
const text = (Text: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text } }];
const membersOf = async (groupId: string) => ((await app.post('/group/user/query.json', { groupId })).body.users as Array<{ id: string }>).map((u) => u.id).sort();

describe('group_open_http_svc', () => {
  it('create_group, add_group_member and delete_group_member change the members the v1 API lists', async () => {
    const [owner, b, c] = [uid('owner'), uid('b'), uid('c')];
    const created = await tim.call('group_open_http_svc/create_group', { Owner_Account: owner, Type: 'Public', Name: 'team', MemberList: [{ Member_Account: b }] });
    expect(created).toMatchObject({ ActionStatus: 'OK', GroupId: expect.stringMatching(/^TGS[0-9a-f]{16}$/) });
    const groupId = created.GroupId as string;
    expect(await membersOf(groupId)).toEqual([b, owner].sort());
    expect(await tim.call('group_open_http_svc/add_group_member', { GroupId: groupId, MemberList: [{ Member_Account: b }, { Member_Account: c }] })).toMatchObject({
      ActionStatus: 'OK',
      MemberList: [{ Member_Account: b, Result: 2 }, { Member_Account: c, Result: 1 }],
    });
    expect(await tim.call('group_open_http_svc/delete_group_member', { GroupId: groupId, MemberToDel_Account: [b] })).toMatchObject({ ActionStatus: 'OK' });
    expect(await membersOf(groupId)).toEqual([c, owner].sort());
  });

  it('send_group_msg reaches the members\' devices, the sender\'s too, as the RongCloud type', async () => {
    const [owner, b] = [uid('owner'), uid('b')];
    const groupId = uid('g');
    await tim.call('group_open_http_svc/create_group', { Owner_Account: owner, Type: 'Private', Name: 'pair', GroupId: groupId, MemberList: [{ Member_Account: b }] });
    const [sender, member] = [await connectDevice(t, app, owner), await connectDevice(t, app, b)];
    const sent = await tim.call('group_open_http_svc/send_group_msg', { GroupId: groupId, From_Account: owner, Random: 7, MsgBody: text('hello group') });
    expect(sent).toMatchObject({ ActionStatus: 'OK', MsgKey: expect.any(String), MsgTime: expect.any(Number) });
    for (const device of [member, sender]) {
      const [message] = await device.received(1);
      expect(message).toMatchObject({ conversationType: 3, targetId: groupId, senderUserId: owner, objectName: 'RC:TxtMsg', messageUId: sent.MsgKey });
    }
  });

  it('an unknown group is 10010, bad input 10004, and nothing is sent or added', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const groupId = uid('g');
    await tim.call('group_open_http_svc/create_group', { Owner_Account: a, Type: 'Public', Name: 'g', GroupId: groupId, MemberList: [{ Member_Account: b }] });
    const member = await connectDevice(t, app, b);
    expect(await tim.call('group_open_http_svc/add_group_member', { GroupId: uid('nogroup'), MemberList: [{ Member_Account: a }] })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10010 });
    expect(await tim.call('group_open_http_svc/send_group_msg', { GroupId: groupId, From_Account: a, Random: 1, MsgBody: [] })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10004 });
    expect(await tim.call('group_open_http_svc/create_group', { Owner_Account: a, Type: 'AVChatRoom', Name: 'live' })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10004 });
    await settle();
    expect(member.messages).toHaveLength(0);
  });
});
