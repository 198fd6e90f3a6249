import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageUIdTime } from '../../src/core/message-uid.js';
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
  // Group history on, as a Tencent app has it (docs/tencent-im.md "Configuring an app").
  ({ t, app, tim } = await tencentServer(sdkAppId, secretKey, { historyPrivateGroup: true }));
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

  it('group_msg_get_simple pages messages from a device and from send_group_msg by MsgSeq, newest first; a recalled one is left out unless asked for', async () => {
    const [owner, b] = [uid('owner'), uid('b')];
    const groupId = uid('g');
    await tim.call('group_open_http_svc/create_group', { Owner_Account: owner, Type: 'Work', Name: 'history', GroupId: groupId, MemberList: [{ Member_Account: b }] });
    const device = await connectDevice(t, app, b);
    const keys: string[] = [];
    for (const n of [1, 2, 3, 4]) {
      if (n % 2) {
        const sent = await device.client.send({ conversationType: 3, targetId: groupId, objectName: 'RC:TxtMsg', content: { content: `m${n}` } });
        keys.push(sent.messageUId);
      } else {
        const sent = await tim.call('group_open_http_svc/send_group_msg', { GroupId: groupId, From_Account: owner, Random: n, MsgBody: text(`m${n}`) });
        expect(sent).toMatchObject({ ActionStatus: 'OK', MsgSeq: n });
        keys.push(sent.MsgKey as string);
      }
    }
    const page = (body: Record<string, unknown>) => tim.call('group_open_http_svc/group_msg_get_simple', { GroupId: groupId, ...body });
    const seqsOf = (answer: Record<string, unknown>) => (answer.RspMsgList as Array<{ MsgSeq: number }>).map((m) => m.MsgSeq);

    const newest = await page({ ReqMsgNumber: 3 });
    expect(newest).toMatchObject({ ActionStatus: 'OK', GroupId: groupId, IsFinished: 1 });
    expect(newest.RspMsgList).toEqual([4, 3, 2].map((n) => ({
      MsgSeq: n,
      IsPlaceMsg: 0,
      From_Account: n % 2 ? b : owner,
      MsgTimeStamp: Math.floor(messageUIdTime(keys[n - 1]!) / 1000),
      MsgRandom: expect.any(Number),
      MsgBody: text(`m${n}`),
    })));
    // The next page: the smallest seq answered, minus 1.
    expect(seqsOf(await page({ ReqMsgSeq: 1, ReqMsgNumber: 3 }))).toEqual([1]);
    // A seq past the newest answers the newest.
    expect(seqsOf(await page({ ReqMsgSeq: 99, ReqMsgNumber: 2 }))).toEqual([4, 3]);

    expect((await app.post('/message/recall.json', { fromUserId: owner, conversationType: 3, targetId: groupId, messageUID: keys[1], sentTime: messageUIdTime(keys[1]!) })).body.code).toBe(200);
    expect(seqsOf(await page({ ReqMsgNumber: 20 }))).toEqual([4, 3, 1]);
    expect((await page({ ReqMsgNumber: 20, WithRecalledMsg: 1 })).RspMsgList).toContainEqual(expect.objectContaining({ MsgSeq: 2, IsPlaceMsg: 2, MsgBody: [] }));
  });

  it('group_msg_get_simple refuses an unknown group (10010) and bad input (10004); a refused send takes no MsgSeq', async () => {
    const [owner] = [uid('owner')];
    const groupId = uid('g');
    await tim.call('group_open_http_svc/create_group', { Owner_Account: owner, Type: 'Public', Name: 'g', GroupId: groupId });
    expect(await tim.call('group_open_http_svc/send_group_msg', { GroupId: groupId, From_Account: owner, Random: 1, MsgBody: text('first') })).toMatchObject({ MsgSeq: 1 });
    expect(await tim.call('group_open_http_svc/group_msg_get_simple', { GroupId: uid('nogroup'), ReqMsgNumber: 1 })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10010 });
    for (const bad of [{ GroupId: groupId }, { GroupId: groupId, ReqMsgNumber: 0 }, { GroupId: groupId, ReqMsgNumber: 1001 }, { GroupId: groupId, ReqMsgNumber: 1, ReqMsgSeq: 'x' }]) {
      expect(await tim.call('group_open_http_svc/group_msg_get_simple', bad), JSON.stringify(bad)).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10004 });
    }
    expect(await tim.call('group_open_http_svc/group_msg_get_simple', { GroupId: 'not an id', ReqMsgNumber: 1 })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10015 });
    // A body that is not JSON: the service's "JSON parse failed" (10011 here, 90001 for openim).
    expect(await tim.call('group_open_http_svc/send_group_msg', '{"GroupId":')).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10011 });
    expect(await tim.call('openim/sendmsg', '{"To_Account":')).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 90001 });
    expect(await tim.call('group_open_http_svc/send_group_msg', { GroupId: groupId, From_Account: owner, Random: 2, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: {} }] })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10004 });
    expect(await tim.call('group_open_http_svc/send_group_msg', { GroupId: groupId, From_Account: owner, Random: 4, MsgBody: text('second') })).toMatchObject({ ActionStatus: 'OK', MsgSeq: 2 });
    expect((await tim.call('group_open_http_svc/group_msg_get_simple', { GroupId: groupId, ReqMsgNumber: 5 })).RspMsgList).toMatchObject([{ MsgSeq: 2, MsgBody: text('second') }, { MsgSeq: 1, MsgBody: text('first') }]);
    // More than a page asked of a group that has fewer: everything there is, finished.
    expect(await tim.call('group_open_http_svc/group_msg_get_simple', { GroupId: groupId, ReqMsgNumber: 1000 })).toMatchObject({ IsFinished: 1, RspMsgList: [{ MsgSeq: 2 }, { MsgSeq: 1 }] });
  });
});
