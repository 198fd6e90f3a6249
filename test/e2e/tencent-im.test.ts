import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';
import { tencentCaller, type TencentCaller } from '../helpers/tencent.js';
import { adminOf } from '../helpers/admin.js';

/**
 * Tencent IM's REST dialect (docs/tencent-im.md) over the same core: calls signed with
 * Tencent's own `tls-sig-api-v2`, messages seen by devices of Parley's native protocol.
 */
let t: TestServer;
let app: TestApp;
let tim: TencentCaller;
const sdkAppId = 1400000001;
const secretKey = 'tencent-secret-key-for-tests';

beforeAll(async () => {
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true }, tencent: { sdkAppId, secretKey, administrators: ['administrator', 'ops'] } }] });
  app = t.app(0);
  tim = tencentCaller(t, sdkAppId, secretKey);
});
afterAll(() => t.close());

let n = 0;
const uid = (name: string) => `tim-${name}${++n}`;
const ok = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' };
const text = (Text: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text } }];
const random = () => Math.floor(Math.random() * 2 ** 32);
const sendmsg = (from: string | undefined, to: string, extra: Record<string, unknown> = {}) =>
  tim.call('openim/sendmsg', { ...(from && { From_Account: from }), To_Account: to, MsgRandom: random(), MsgBody: text('hello'), ...extra });
const checkAccount = async (userId: string) => ((await tim.call('im_open_login_svc/account_check', { CheckItem: [{ UserID: userId }] })).ResultItem as Array<{ AccountStatus: string }>)[0]!.AccountStatus;

describe('im_open_login_svc', () => {
  it('account_import registers an account a device can then use; account_check tells imported from not', async () => {
    const [a, b] = [uid('a'), uid('b')];
    expect(await tim.call('im_open_login_svc/account_import', { UserID: a, Nick: 'Alice', FaceUrl: 'https://example.com/a.png' })).toEqual(ok);
    expect(await tim.call('im_open_login_svc/account_check', { CheckItem: [{ UserID: a }, { UserID: b }] })).toEqual({
      ...ok,
      ResultItem: [
        { UserID: a, ResultCode: 0, ResultInfo: '', AccountStatus: 'Imported' },
        { UserID: b, ResultCode: 0, ResultInfo: '', AccountStatus: 'NotImported' },
      ],
    });
    const { body } = await app.post('/user/info.json', { userId: a });
    expect(body).toMatchObject({ code: 200, userName: 'Alice', userPortrait: 'https://example.com/a.png' });
  });

  it('multiaccount_import registers several; account_delete removes them', async () => {
    const [a, b] = [uid('a'), uid('b')];
    expect(await tim.call('im_open_login_svc/multiaccount_import', { Accounts: [a, b] })).toEqual({ ...ok, FailAccounts: [] });
    expect([await checkAccount(a), await checkAccount(b)]).toEqual(['Imported', 'Imported']);
    expect(await tim.call('im_open_login_svc/account_delete', { DeleteItem: [{ UserID: a }] })).toEqual({ ...ok, ResultItem: [{ ResultCode: 0, ResultInfo: '', UserID: a }] });
    expect([await checkAccount(a), await checkAccount(b)]).toEqual(['NotImported', 'Imported']);
  });

  it('kick closes the account\'s sessions', async () => {
    const a = uid('a');
    const device = await connectDevice(t, app, a);
    const kicked = new Promise((resolve) => device.client.on('kicked', resolve));
    expect(await tim.call('im_open_login_svc/kick', { UserID: a })).toEqual(ok);
    await kicked;
    await expect.poll(async () => (await tim.call('openim/querystate', { To_Account: [a] })).QueryResult).toEqual([{ To_Account: a, Status: 'Offline' }]);
  });

  it('bad input is 70402 and registers nothing', async () => {
    const a = uid('a');
    expect(await tim.call('im_open_login_svc/account_import', { UserID: `${a} with spaces` })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70402 });
    expect(await tim.call('im_open_login_svc/multiaccount_import', { Accounts: [] })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70402 });
    expect(await tim.call('im_open_login_svc/account_import', '{not json')).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70402 });
    expect(await checkAccount(a)).toBe('NotImported');
  });
});

describe('the UserSig and the administrator', () => {
  const refusals: Array<[string, () => Parameters<TencentCaller['call']>[2], number]> = [
    ['signed with another key', () => ({ userSig: tim.userSig('administrator', 86_400, 'another-key') }), 70009],
    ['expired', () => ({ userSig: tim.userSig('administrator', -60) }), 70001],
    ['not a UserSig at all', () => ({ userSig: 'eJyrVgrxCdYrSy1SslIyUqoFAB0TBCo_' }), 70003],
    ['of another identifier than the query names', () => ({ identifier: 'ops', userSig: tim.userSig('administrator') }), 70013],
    ['of an account that is not an administrator', () => ({ identifier: 'someone' }), 70403],
    ['for an SDKAppID no app has', () => ({ sdkAppId: 1400999999 }), 70020],
  ];

  it.each(refusals)('a UserSig %s is refused with its Tencent code, nothing registered', async (_label, options, code) => {
    const a = uid('a');
    const answer = await tim.call('im_open_login_svc/account_import', { UserID: a }, options());
    expect(answer).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    expect(await checkAccount(a)).toBe('NotImported');
  });

  it('a refused send writes nothing: the receiver\'s device gets no message', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const receiver = await connectDevice(t, app, b);
    expect(await tim.call('openim/sendmsg', { From_Account: a, To_Account: b, MsgRandom: 1, MsgBody: text('x') }, { userSig: tim.userSig('administrator', -1) })).toMatchObject({ ErrorCode: 70001 });
    expect(await tim.call('openim/sendmsg', { From_Account: a, To_Account: b, MsgRandom: 2, MsgBody: text('x') }, { identifier: 'someone' })).toMatchObject({ ErrorCode: 90009 });
    expect(await sendmsg(a, b, { MsgBody: text('after') })).toMatchObject(ok);
    const [only] = await receiver.received(1);
    expect(JSON.parse(only!.content)).toEqual({ content: 'after' });
    await settle();
    expect(receiver.messages).toHaveLength(1);
  });

  it('a second administrator signs with its own UserSig; the answer is HTTP 200 either way', async () => {
    expect(await tim.call('im_open_login_svc/account_import', { UserID: uid('a') }, { identifier: 'ops' })).toEqual(ok);
    const response = await fetch(`${t.baseUrl}/v4/im_open_login_svc/account_import?sdkappid=${sdkAppId}&identifier=administrator&usersig=bad&random=1&contenttype=json`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70003 });
  });

  it('a query without the SDKAppID is 60012, with an empty UserSig 70002, without random 60002', async () => {
    const post = async (query: string) => (await (await fetch(`${t.baseUrl}/v4/im_open_login_svc/account_import?${query}&contenttype=json`, { method: 'POST', body: '{"UserID":"never"}' })).json()) as Record<string, unknown>;
    const userSig = tim.userSig('administrator');
    expect(await post(`identifier=administrator&usersig=${userSig}&random=1`)).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 60012 });
    expect(await post(`sdkappid=${sdkAppId}&identifier=administrator&usersig=&random=1`)).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70002 });
    expect(await post(`sdkappid=${sdkAppId}&identifier=administrator&usersig=${userSig}`)).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 60002 });
    expect(await checkAccount('never')).toBe('NotImported');
  });
});

describe('apps stored through the admin API', () => {
  it('a tencent block set by the admin API is served at once, validated like IM_APPS, and gone when removed', async () => {
    const adminToken = 'admin-token-for-tencent-tests-0123';
    const own = await startServer({ adminToken });
    try {
      const admin = adminOf(own, adminToken);
      const appKey = 'tencent-admin-app';
      const caller = tencentCaller(own, 1400000077, 'admin-set-key');
      expect((await admin('PUT', `/apps/${appKey}`, { appSecret: 's', tencent: { sdkAppId: 1400000077, secretKey: 'admin-set-key' } })).status).toBe(201);
      expect(await caller.call('im_open_login_svc/account_import', { UserID: 'via-admin' })).toEqual(ok);
      expect((await admin('PATCH', `/apps/${appKey}`, { tencent: { sdkAppId: 'not a number' } })).body).toMatchObject({ code: 1002, errorMessage: expect.stringMatching(/tencent\.sdkAppId/) });
      expect((await admin('PATCH', `/apps/${appKey}`, { tencent: null })).status).toBe(200);
      expect(await caller.call('im_open_login_svc/account_import', { UserID: 'via-admin-2' })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70020 });
    } finally {
      await own.close();
    }
  });
});
