import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import type { TestApp, TestServer } from '../helpers/server.js';
import { tencentServer, type TencentCaller } from '../helpers/tencent.js';

/** Tencent IM's `openim` (docs/tencent-im.md "One-to-one messages") against devices of Parley's native protocol. */
let t: TestServer;
let app: TestApp;
let tim: TencentCaller;
const sdkAppId = 1400000002;
const secretKey = 'tencent-secret-key-for-message-tests';

beforeAll(async () => {
  ({ t, app, tim } = await tencentServer(sdkAppId, secretKey, { historyPrivateGroup: true }));
});
afterAll(() => t.close());

let n = 0;
const uid = (name: string) => `timm-${name}${++n}`;
const text = (Text: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text } }];
const random = () => Math.floor(Math.random() * 2 ** 32);
const sendmsg = (from: string | undefined, to: string, extra: Record<string, unknown> = {}) =>
  tim.call('openim/sendmsg', { ...(from && { From_Account: from }), To_Account: to, MsgRandom: random(), MsgBody: text('hello'), ...extra });
const contentOf = (m: { content: unknown }) => (typeof m.content === 'string' ? (JSON.parse(m.content) as unknown) : m.content);

describe('openim/sendmsg', () => {
  it('reaches the receiver\'s device as RC:TxtMsg from From_Account, answering MsgKey = its messageUId and MsgTime in seconds', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const receiver = await connectDevice(t, app, b);
    const answer = await sendmsg(a, b, { SyncOtherMachine: 2 });
    expect(answer).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0, MsgKey: expect.any(String), MsgTime: expect.any(Number) });
    const [message] = await receiver.received(1);
    expect(message).toMatchObject({ conversationType: 1, targetId: a, senderUserId: a, objectName: 'RC:TxtMsg', messageUId: answer.MsgKey });
    expect(contentOf(message!)).toEqual({ content: 'hello' });
    expect(Math.abs(message!.sentTime / 1000 - (answer.MsgTime as number))).toBeLessThan(1);
  });

  it('without From_Account the administrator is the sender', async () => {
    const b = uid('b');
    const receiver = await connectDevice(t, app, b);
    await sendmsg(undefined, b);
    const [message] = await receiver.received(1);
    expect(message).toMatchObject({ senderUserId: 'administrator', targetId: 'administrator' });
  });

  it('SyncOtherMachine 1 (the default) echoes to the sender\'s devices; 2 does not', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const sender = await connectDevice(t, app, a);
    await sendmsg(a, b, { MsgBody: text('echoed') });
    const [echo] = await sender.received(1);
    expect(echo).toMatchObject({ targetId: b, senderUserId: a });
    await sendmsg(a, b, { SyncOtherMachine: 2, MsgBody: text('not echoed') });
    await sendmsg(a, b, { SyncOtherMachine: 1, MsgBody: text('echoed again') });
    await sender.received(2);
    await settle();
    expect(sender.messages.map((m) => contentOf(m))).toEqual([{ content: 'echoed' }, { content: 'echoed again' }]);
  });

  it('a retry with the same MsgRandom answers the first MsgKey and delivers once', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const receiver = await connectDevice(t, app, b);
    const body = { From_Account: a, To_Account: b, MsgRandom: 12345, MsgBody: text('once') };
    const first = await tim.call('openim/sendmsg', body);
    const second = await tim.call('openim/sendmsg', body);
    expect(second.MsgKey).toBe(first.MsgKey);
    await receiver.received(1);
    await settle();
    expect(receiver.messages).toHaveLength(1);
  });

  it('MsgLifeTime 0 is online-only: an online device gets it, a device connecting later does not', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    const online = await connectDevice(t, app, b);
    await sendmsg(a, b, { MsgLifeTime: 0 });
    await sendmsg(a, c, { MsgLifeTime: 0 });
    await sendmsg(a, c, { MsgLifeTime: 604_800, MsgBody: text('kept') });
    await online.received(1);
    const later = await connectDevice(t, app, c);
    await settle();
    expect(later.messages.map((m) => contentOf(m))).toEqual([{ content: 'kept' }]);
  });

  it('each MsgBody element arrives as its RongCloud type, and admin_getroammsg reads it back as the element', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const receiver = await connectDevice(t, app, b);
    const elements = [
      [{ MsgType: 'TIMImageElem', MsgContent: { UUID: 'u1', ImageFormat: 1, ImageInfoArray: [{ Type: 1, Size: 1000, Width: 64, Height: 48, URL: 'https://example.com/i.png' }] } }, 'RC:ImgMsg', { imageUri: 'https://example.com/i.png', size: 1000, width: 64, height: 48 }],
      [{ MsgType: 'TIMFileElem', MsgContent: { Url: 'https://example.com/f.pdf', FileSize: 2048, FileName: 'f.pdf' } }, 'RC:FileMsg', { name: 'f.pdf', size: 2048, type: 'pdf', fileUrl: 'https://example.com/f.pdf' }],
      [{ MsgType: 'TIMSoundElem', MsgContent: { Url: 'https://example.com/s.aac', Size: 300, Second: 4 } }, 'RC:HQVCMsg', { remoteUrl: 'https://example.com/s.aac', duration: 4, size: 300 }],
      [{ MsgType: 'TIMLocationElem', MsgContent: { Desc: 'Shenzhen', Latitude: 22.54, Longitude: 114.05 } }, 'RC:LBSMsg', { latitude: 22.54, longitude: 114.05, poi: 'Shenzhen' }],
      [{ MsgType: 'TIMFaceElem', MsgContent: { Index: 3, Data: 'smile' } }, 'TIM:FaceElem', { Index: 3, Data: 'smile' }],
      [{ MsgType: 'TIMCustomElem', MsgContent: { Data: '{"kind":"order"}', Desc: 'order', Ext: 'x', Sound: '' } }, 'TIM:CustomElem', { Data: '{"kind":"order"}', Desc: 'order', Ext: 'x', Sound: '' }],
    ] as const;
    for (const [element] of elements) expect(await sendmsg(a, b, { MsgBody: [element], SyncOtherMachine: 2 })).toMatchObject({ ActionStatus: 'OK' });
    const messages = await receiver.received(elements.length);
    elements.forEach(([, objectName, content], i) => {
      expect(messages[i]!.objectName).toBe(objectName);
      expect(contentOf(messages[i]!)).toMatchObject(content);
    });
    const roam = await tim.call('openim/admin_getroammsg', { Operator_Account: b, Peer_Account: a, MaxCnt: 100, MinTime: 0, MaxTime: 2 ** 32 - 1 });
    const bodies = (roam.MsgList as Array<{ MsgBody: Array<{ MsgType: string; MsgContent: unknown }> }>).map((m) => m.MsgBody[0]!);
    expect(bodies.map((b) => b.MsgType)).toEqual(elements.map(([element]) => element.MsgType));
    expect(bodies[0]!.MsgContent).toMatchObject({ ImageInfoArray: [{ Type: 1, URL: 'https://example.com/i.png' }] });
    expect(bodies[3]!.MsgContent).toEqual({ Desc: 'Shenzhen', Latitude: 22.54, Longitude: 114.05 });
    expect(bodies[4]!.MsgContent).toEqual({ Index: 3, Data: 'smile' });
  });

  it('OfflinePushInfo\'s Desc and Ext are the message\'s push content and data', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const receiver = await connectDevice(t, app, b);
    await sendmsg(a, b, { OfflinePushInfo: { PushFlag: 0, Title: 'T', Desc: 'You have a message', Ext: '{"deep":"link"}' } });
    const [message] = await receiver.received(1);
    expect(message).toMatchObject({ pushContent: 'You have a message', pushData: '{"deep":"link"}' });
  });

  it('a receiver who blocked the sender refuses with 20007, nothing delivered', async () => {
    const [a, b] = [uid('a'), uid('b')];
    await app.post('/user/blacklist/add.json', { userId: b, blackUserId: a });
    const receiver = await connectDevice(t, app, b);
    expect(await sendmsg(a, b)).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 20007 });
    await settle();
    expect(receiver.messages).toHaveLength(0);
  });

  // The codes of Tencent's openim table for each field (docs/tencent-im.md "Errors").
  it.each([
    ['no MsgBody', { MsgBody: undefined }, 90002],
    ['an unknown element', { MsgBody: [{ MsgType: 'TIMVideoFileElem', MsgContent: {} }] }, 90002],
    ['two elements', { MsgBody: [...text('a'), ...text('b')] }, 90002],
    ['a To_Account that is no id', { To_Account: 'not an id' }, 90003],
    ['a MsgRandom that is no number', { MsgRandom: 'x' }, 90005],
    ['a SyncOtherMachine of 3', { SyncOtherMachine: 3 }, 90031],
    ['a MsgLifeTime over 7 days', { MsgLifeTime: 604_801 }, 90026],
    ['a MsgLifeTime that is no number', { MsgLifeTime: 'long' }, 90044],
    ['an unknown SendMsgControl', { SendMsgControl: ['Sideways'] }, 90010],
  ])('bad input (%s) is its Tencent code and delivers nothing', async (_label, extra, code) => {
    const [a, b] = [uid('a'), uid('b')];
    const receiver = await connectDevice(t, app, b);
    expect(await sendmsg(a, b, extra)).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    await settle();
    expect(receiver.messages).toHaveLength(0);
  });
});

describe('openim/batchsendmsg', () => {
  it('sends one message to each account', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    const [rb, rc] = [await connectDevice(t, app, b), await connectDevice(t, app, c)];
    const answer = await tim.call('openim/batchsendmsg', { From_Account: a, To_Account: [b, c], MsgRandom: random(), MsgBody: text('to all') });
    expect(answer).toMatchObject({ ActionStatus: 'OK', ErrorList: [] });
    for (const receiver of [rb, rc]) expect((await receiver.received(1))[0]).toMatchObject({ senderUserId: a, objectName: 'RC:TxtMsg' });
  });

  it('lists a receiver who blocked the sender in ErrorList (20007) and delivers to the others', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    await app.post('/user/blacklist/add.json', { userId: c, blackUserId: a });
    const [rb, rc] = [await connectDevice(t, app, b), await connectDevice(t, app, c)];
    const answer = await tim.call('openim/batchsendmsg', { From_Account: a, To_Account: [b, c], MsgRandom: random(), MsgBody: text('to all') });
    expect(answer).toMatchObject({ ActionStatus: 'OK', ErrorList: [{ To_Account: c, ErrorCode: 20007 }] });
    await rb.received(1);
    await settle();
    expect(rc.messages).toHaveLength(0);
  });
});

describe('openim/admin_getroammsg and admin_msgwithdraw', () => {
  it('roaming returns what a device sent, oldest first, as Tencent elements', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const device = await connectDevice(t, app, a);
    await device.client.send({ conversationType: 1, targetId: b, objectName: 'RC:TxtMsg', content: { content: 'from a device' } });
    await sendmsg(b, a, { MsgBody: text('from the backend') });
    await expect.poll(async () => (await tim.call('openim/admin_getroammsg', { Operator_Account: a, Peer_Account: b, MaxCnt: 10, MinTime: 0, MaxTime: 2 ** 32 - 1 })).MsgCnt).toBe(2);
    const roam = await tim.call('openim/admin_getroammsg', { Operator_Account: a, Peer_Account: b, MaxCnt: 10, MinTime: 0, MaxTime: 2 ** 32 - 1 });
    expect(roam).toMatchObject({
      ActionStatus: 'OK',
      Complete: 1,
      MsgCnt: 2,
      MsgList: [
        { From_Account: a, To_Account: b, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'from a device' } }] },
        { From_Account: b, To_Account: a, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'from the backend' } }] },
      ],
    });
    const page = await tim.call('openim/admin_getroammsg', { Operator_Account: a, Peer_Account: b, MaxCnt: 1, MinTime: 0, MaxTime: 2 ** 32 - 1 });
    expect(page).toMatchObject({ Complete: 0, MsgCnt: 1 });
  });

  it('admin_msgwithdraw recalls: the receiver\'s device gets the recall command and roaming shows the message recalled', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const receiver = await connectDevice(t, app, b);
    const sent = await sendmsg(a, b, { SyncOtherMachine: 2 });
    await receiver.received(1);
    expect(await tim.call('openim/admin_msgwithdraw', { From_Account: a, To_Account: b, MsgKey: sent.MsgKey })).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    const [, recall] = await receiver.received(2);
    expect(recall).toMatchObject({ objectName: 'RC:RcCmd' });
    expect(contentOf(recall!)).toMatchObject({ messageUId: sent.MsgKey });
    const roam = await tim.call('openim/admin_getroammsg', { Operator_Account: b, Peer_Account: a, MaxCnt: 10, MinTime: 0, MaxTime: 2 ** 32 - 1 });
    expect(roam.MsgList).toMatchObject([{ MsgKey: sent.MsgKey, MsgFlagBits: 1 }]);
  });

  it('withdrawing a message that is not there is 20022, by a MsgKey that is none 90054', async () => {
    const [a, b] = [uid('a'), uid('b')];
    expect(await tim.call('openim/admin_msgwithdraw', { From_Account: a, To_Account: b, MsgKey: 'no-such-key' })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 90054 });
    const sent = await sendmsg(a, b);
    expect(await tim.call('openim/admin_msgwithdraw', { From_Account: b, To_Account: a, MsgKey: sent.MsgKey })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 20022 });
  });
});

describe('openim/querystate and get_c2c_unread_msg_num', () => {
  it('tells online from offline accounts', async () => {
    const [a, b] = [uid('a'), uid('b')];
    await connectDevice(t, app, a);
    expect(await tim.call('openim/querystate', { To_Account: [a, b] })).toMatchObject({ QueryResult: [{ To_Account: a, Status: 'Online' }, { To_Account: b, Status: 'Offline' }] });
  });

  it('counts unread one-to-one messages, in total and per peer', async () => {
    const [a, b, c] = [uid('a'), uid('b'), uid('c')];
    await sendmsg(a, c);
    await sendmsg(a, c);
    await sendmsg(b, c);
    await sendmsg(b, c, { SendMsgControl: ['NoUnread'] });
    await expect.poll(async () => (await tim.call('openim/get_c2c_unread_msg_num', { To_Account: c })).AllC2CUnreadMsgNum).toBe(3);
    expect(await tim.call('openim/get_c2c_unread_msg_num', { To_Account: c, Peer_Account: [a, b] })).toMatchObject({ C2CUnreadMsgNumList: [{ Peer_Account: a, C2CUnreadMsgNum: 2 }, { Peer_Account: b, C2CUnreadMsgNum: 1 }] });
  });
});
