import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

// The /v2 ultra group REST family exactly as rongcloud/server-sdk-go (sdk/ultragroup.go) sends it:
// `Content-Type: application/json` on every request (GET and body-less DELETE too), snake_case JSON,
// path parameters, query parameters on GET; success code 10000 (the SDK also takes 200).
let t: TestServer;
let app: TestApp;
beforeAll(async () => {
  t = await startServer();
  app = t.app();
});
afterAll(() => t.close());

const json = { 'Content-Type': 'application/json' };
const call = (method: string, path: string, body?: Record<string, unknown>) => app.raw(method, path, body && JSON.stringify(body), json);
const ok = async (method: string, path: string, body?: Record<string, unknown>) => {
  const res = await call(method, path, body);
  expect([res.status, res.body.code], `${method} ${path} ${JSON.stringify(res.body)}`).toEqual([200, 10000]);
  return res.body;
};

describe('the Go SDK\'s /v2 ultra group family', () => {
  it('creates, renames, joins, lists, mutes, allows, makes channels, sends, quits and dismisses', async () => {
    expect(await ok('POST', '/v2/ultragroups', { user_id: 'v2-a', group_id: 'v2g', group_name: 'Two' })).toEqual({ code: 10000, msg: 'success' });
    await ok('PUT', '/v2/ultragroups/v2g', { group_name: 'Renamed' });
    await ok('POST', '/v2/ultragroups/v2g/users/v2-b');
    expect((await ok('GET', '/v2/ultragroups/v2g/users?page=1&size=10')).data).toEqual({ users: [{ id: 'v2-a' }, { id: 'v2-b' }] });
    expect((await ok('GET', '/v2/ultragroups/users/v2-b/groups?page=1&size=10')).data).toEqual({ groups: [{ group_id: 'v2g', group_name: 'Renamed' }] });

    await ok('POST', '/v2/ultragroups/v2g/muted-users', { user_ids: ['v2-b'] });
    expect((await ok('GET', '/v2/ultragroups/v2g/muted-users')).data).toEqual({ users: [{ id: 'v2-b' }] });
    await ok('DELETE', '/v2/ultragroups/v2g/muted-users', { user_ids: ['v2-b'] });
    expect((await ok('GET', '/v2/ultragroups/v2g/muted-users')).data).toEqual({ users: [] });
    await ok('PUT', '/v2/ultragroups/v2g/muted-status', { status: true });
    expect((await ok('GET', '/v2/ultragroups/v2g/muted-status')).data).toEqual({ status: true });
    await ok('POST', '/v2/ultragroups/v2g/allowed-users', { user_ids: ['v2-a'] });
    expect((await ok('GET', '/v2/ultragroups/v2g/allowed-users')).data).toEqual({ users: [{ id: 'v2-a' }] });

    await ok('POST', '/v2/ultragroups/channels', { group_id: 'v2g', channel_id: 'news' });
    expect((await ok('GET', '/v2/ultragroups/v2g/channels?page=1&limit=20')).data).toEqual({ channel_list: [{ channel_id: 'news', type: 0, create_time: expect.any(Number) }] });

    const member = await connectDevice(t, app, 'v2-b');
    const sent = await ok('POST', '/v2/message/ultragroup/send', {
      from_user_id: 'v2-a', to_group_ids: ['v2g'], object_name: 'RC:TxtMsg', content: JSON.stringify({ content: 'v2 hello' }), store_flag: true, bus_channel: 'news',
    });
    expect(sent.data).toEqual({ message_uids: [{ group_id: 'v2g', message_uid: expect.any(String) }] });
    const [message] = await member.received(1);
    expect(message).toMatchObject({ conversationType: 10, targetId: 'v2g', busChannel: 'news', senderUserId: 'v2-a' });
    // The group is muted and only v2-a is allowed: v2-b's send is refused with the v2 error body.
    const refused = await call('POST', '/v2/message/ultragroup/send', { from_user_id: 'v2-b', to_group_ids: ['v2g'], object_name: 'RC:TxtMsg', content: JSON.stringify({ content: 'no' }), store_flag: true });
    expect(refused.body).toEqual({ code: 24408, msg: expect.any(String) });

    await ok('DELETE', '/v2/ultragroups/v2g/channels/news');
    await ok('DELETE', '/v2/ultragroups/v2g/users/v2-b');
    expect((await ok('GET', '/v2/ultragroups/users/v2-b/groups')).data).toEqual({ groups: [] });
    await ok('DELETE', '/v2/ultragroups/v2g');
    expect((await call('GET', '/v2/ultragroups/v2g/users')).body).toEqual({ code: 24410, msg: expect.any(String) });
  });

  it('answers bad input with 1002 in the v2 body and changes nothing', async () => {
    await ok('POST', '/v2/ultragroups', { user_id: 'v2-x', group_id: 'v2bad', group_name: 'Bad' });
    const member = await connectDevice(t, app, 'v2-x');
    const refusals: Array<[string, string, Record<string, unknown> | undefined]> = [
      ['POST', '/v2/ultragroups', { user_id: 'v2-x', group_id: 'v2bad2' }],
      ['PUT', '/v2/ultragroups/v2bad', {}],
      ['POST', '/v2/ultragroups/v2bad/users/bad%20id', undefined],
      ['POST', '/v2/ultragroups/v2bad/muted-users', { user_ids: [] }],
      ['PUT', '/v2/ultragroups/v2bad/muted-status', { status: 'perhaps' }],
      ['POST', '/v2/ultragroups/channels', { group_id: 'v2bad', channel_id: 'no-dash' }],
      ['GET', '/v2/ultragroups/v2bad/users?size=1001', undefined],
      ['POST', '/v2/message/ultragroup/send', { from_user_id: 'v2-x', to_group_ids: ['v2bad'], object_name: 'RC:TxtMsg', content: '{"no":"content"}' }],
      ['POST', '/v2/message/ultragroup/send', { from_user_id: 'v2-x', to_group_ids: ['v2bad', 'other'], to_user_ids: ['v2-x'], object_name: 'RC:TxtMsg', content: '{"content":"x"}' }],
    ];
    for (const [method, path, body] of refusals) {
      const res = await call(method, path, body);
      expect([res.status, res.body], `${method} ${path}`).toEqual([400, { code: 1002, msg: expect.any(String) }]);
    }
    expect((await ok('GET', '/v2/ultragroups/users/v2-x/groups')).data).toEqual({ groups: [{ group_id: 'v2bad', group_name: 'Bad' }] });
    expect((await ok('GET', '/v2/ultragroups/v2bad/muted-status')).data).toEqual({ status: false });
    expect((await ok('GET', '/v2/ultragroups/v2bad/channels')).data).toEqual({ channel_list: [] });
    await settle();
    expect(member.messages).toEqual([]);
  });
});
