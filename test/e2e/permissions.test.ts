import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../src/client/node.js';
import { connectDevice, ManualClock, settle, type Device } from '../helpers/device.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

const clock = new ManualClock(Date.now());
let t: TestServer;
let open: TestApp;
let friendsOnly: TestApp;

beforeAll(async () => {
  t = await startServer({ clock, apps: [{}, { features: { friendsOnly: true } }] });
  [open, friendsOnly] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

const text = (s: string) => ({ content: s });
const wsSend = (device: Device, to: string, body = 'hi') =>
  device.client.send({ conversationType: 1, targetId: to, objectName: 'RC:TxtMsg', content: text(body) });
const restSend = (app: TestApp, from: string, to: string, extra: Record<string, string | number> = {}) =>
  app.post('/message/private/publish.json', { fromUserId: from, toUserId: to, objectName: 'RC:TxtMsg', content: JSON.stringify(text('rest')), ...extra });

describe('blocklist', () => {
  it('refuses a device\'s send to a user who blocked it (405, nothing delivered); unblock lets the resend through', async () => {
    const bob = await connectDevice(t, open, 'bl-bob');
    const ann = await connectDevice(t, open, 'bl-ann');
    expect((await open.post('/user/blacklist/add.json', { userId: 'bl-bob', blackUserId: ['bl-ann', 'bl-x'] })).body.code).toBe(200);
    await expect(wsSend(ann, 'bl-bob')).rejects.toMatchObject({ code: 405 });
    await settle();
    expect(bob.messages).toHaveLength(0);
    // The other direction is not affected.
    await wsSend(bob, 'bl-ann');
    await ann.received(1);

    expect((await open.post('/user/blacklist/remove.json', { userId: 'bl-bob', blackUserId: 'bl-ann' })).body.code).toBe(200);
    await wsSend(ann, 'bl-bob', 'again');
    const [message] = await bob.received(1);
    expect(message!.content).toBe(JSON.stringify(text('again')));
    expect((await open.post('/user/blacklist/query.json', { userId: 'bl-bob' })).body).toMatchObject({ code: 200, users: ['bl-x'] });
  });

  it('a REST send ignores the blocklist unless verifyBlacklist=1, and then answers 200 without delivering', async () => {
    const bob = await connectDevice(t, open, 'vb-bob');
    await open.post('/user/blacklist/add.json', { userId: 'vb-bob', blackUserId: 'vb-ann' });
    expect((await restSend(open, 'vb-ann', 'vb-bob')).body.code).toBe(200);
    await bob.received(1);
    const verified = await restSend(open, 'vb-ann', 'vb-bob', { verifyBlacklist: 1 });
    expect(verified.body.code).toBe(200);
    await settle();
    expect(bob.messages).toHaveLength(1);
  });

  it('pages the blocklist', async () => {
    await open.post('/user/blacklist/add.json', { userId: 'pager', blackUserId: ['p1', 'p2', 'p3'] });
    const first = await open.post('/user/blacklist/query.json', { userId: 'pager', size: 2 });
    expect(first.body).toMatchObject({ users: ['p1', 'p2'], next: 'p2' });
    const second = await open.post('/user/blacklist/query.json', { userId: 'pager', size: 2, pageToken: 'p2' });
    expect(second.body.users).toEqual(['p3']);
    expect(second.body.next).toBeUndefined();
  });
});

describe('allowlist', () => {
  it('once a user has one, admits only the listed senders from devices (407), while REST is not limited', async () => {
    const bob = await connectDevice(t, open, 'al-bob');
    const ann = await connectDevice(t, open, 'al-ann');
    const cy = await connectDevice(t, open, 'al-cy');
    await wsSend(ann, 'al-bob', 'before');
    await bob.received(1);
    await open.post('/user/whitelist/add.json', { userId: 'al-bob', whiteUserId: 'al-cy' });
    await expect(wsSend(ann, 'al-bob')).rejects.toMatchObject({ code: 407 });
    await wsSend(cy, 'al-bob', 'listed');
    await restSend(open, 'al-ann', 'al-bob');
    await bob.received(3);
    expect(bob.messages.map((m) => m.senderUserId)).toEqual(['al-ann', 'al-cy', 'al-ann']);
    expect((await open.post('/user/whitelist/query.json', { userId: 'al-bob' })).body.users).toEqual(['al-cy']);
    await open.post('/user/whitelist/remove.json', { userId: 'al-bob', whiteUserId: 'al-cy' });
    await wsSend(ann, 'al-bob', 'open again');
    await bob.received(4);
  });
});

describe('friends-only apps', () => {
  it('delivers between friends, refuses a non-friend (25469), and a friendship removed one way blocks only that way', async () => {
    const ann = await connectDevice(t, friendsOnly, 'fo-ann');
    const bob = await connectDevice(t, friendsOnly, 'fo-bob');
    await expect(wsSend(ann, 'fo-bob')).rejects.toMatchObject({ code: 25469 });
    expect((await friendsOnly.post('/friend/add.json', { userId: 'fo-ann', targetId: 'fo-bob' })).body.code).toBe(200);
    expect((await friendsOnly.post('/friend/check.json', { userId: 'fo-ann', targetIds: 'fo-bob' })).body.results).toEqual([{ userId: 'fo-bob', result: 1 }]);
    await wsSend(ann, 'fo-bob', 'friends now');
    await bob.received(1);

    // Bob stops counting Ann as a friend; Ann still counts Bob.
    await friendsOnly.post('/friend/delete.json', { userId: 'fo-bob', targetIds: 'fo-ann', directionType: 1 });
    expect((await friendsOnly.post('/friend/check.json', { userId: 'fo-ann', targetIds: 'fo-bob' })).body.results).toEqual([{ userId: 'fo-bob', result: 3 }]);
    await expect(wsSend(ann, 'fo-bob')).rejects.toMatchObject({ code: 25469 });
    await wsSend(bob, 'fo-ann', 'still reaches ann');
    await ann.received(1);
    expect((await friendsOnly.post('/friend/get.json', { userId: 'fo-ann' })).body.friendList).toEqual([
      { userId: 'fo-bob', name: 'name-fo-bob', remarkName: '', friendExtProfile: '', time: expect.any(Number) },
    ]);
  });

  it('does not limit the app backend', async () => {
    const bob = await connectDevice(t, friendsOnly, 'fo-rest');
    expect((await restSend(friendsOnly, 'stranger', 'fo-rest')).body.code).toBe(200);
    await bob.received(1);
  });

  it('does not apply in an app without friendsOnly', async () => {
    const bob = await connectDevice(t, open, 'nf-bob');
    const ann = await connectDevice(t, open, 'nf-ann');
    await wsSend(ann, 'nf-bob');
    await bob.received(1);
  });
});

describe('banned users', () => {
  it('kicks the sessions (user-blocked), refuses connects (31009) until the ban ends by itself', async () => {
    const victim = await connectDevice(t, open, 'ban-me');
    const token = String((await open.post('/user/getToken.json', { userId: 'ban-me', name: 'b' })).body.token);
    const kicked = new Promise((resolve) => victim.client.once('kicked', resolve));
    expect((await open.post('/user/block.json', { userId: 'ban-me', minute: 1 })).body.code).toBe(200);
    expect(await kicked).toBe('user-blocked');
    const list = await open.post('/user/block/query.json', {});
    expect(list.body.users).toContainEqual({ userId: 'ban-me', blockEndTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });

    const refused = new ParleyClient({ url: t.wsUrl, token, deviceId: 'x', platform: 'web', reconnect: false });
    const closed = new Promise((resolve) => refused.once('close', (code) => resolve(code)));
    await expect(refused.connect()).rejects.toMatchObject({ code: 31009 });
    expect(await closed).toBe(4001);

    clock.advance(61_000);
    const back = await connectDevice(t, open, 'ban-me', { deviceId: 'y', platform: 'desktop' });
    expect(back.client.isOpen).toBe(true);
    expect((await open.post('/user/block/query.json', {})).body.users).not.toContainEqual(expect.objectContaining({ userId: 'ban-me' }));
  });

  it('unblock lifts a ban early', async () => {
    await open.post('/user/getToken.json', { userId: 'unban-me', name: 'u' });
    await open.post('/user/block.json', { userId: 'unban-me', minute: 100 });
    expect((await open.post('/user/unblock.json', { userId: 'unban-me' })).body.code).toBe(200);
    const device = await connectDevice(t, open, 'unban-me');
    expect(device.client.isOpen).toBe(true);
  });
});

describe('sensitive words', () => {
  it('replaces type-0 words in a device\'s text, refuses a type-1 word (21501), also when both are in one message', async () => {
    await open.post('/sensitiveword/add.json', { word: 'darn', replaceWord: 'd**n' });
    await open.post('/sensitiveword/add.json', { word: 'evil' });
    const bob = await connectDevice(t, open, 'sw-bob');
    const ann = await connectDevice(t, open, 'sw-ann');
    await wsSend(ann, 'sw-bob', 'oh Darn it');
    const [replaced] = await bob.received(1);
    expect(JSON.parse(replaced!.content)).toEqual(text('oh d**n it'));
    await expect(wsSend(ann, 'sw-bob', 'darn this evil plan')).rejects.toMatchObject({ code: 21501 });
    await expect(wsSend(ann, 'sw-bob', 'EVIL')).rejects.toMatchObject({ code: 21501 });
    await settle();
    expect(bob.messages).toHaveLength(1);
    // The app backend is the administrator: its sends are not filtered.
    await restSend(open, 'admin', 'sw-bob', { content: JSON.stringify(text('evil darn')) });
    const messages = await bob.received(2);
    expect(JSON.parse(messages[1]!.content)).toEqual(text('evil darn'));
  });

  it('lists, batch-adds (JSON) and batch-deletes words; a removed word stops acting', async () => {
    const added = await open.post('/sensitiveword/batch/add.json', { words: [{ word: 'foo', replaceWord: 'f*o' }, { word: 'bar' }] } as never, { json: true });
    expect(added.body.code).toBe(200);
    const list = await open.post('/sensitiveword/list.json', {});
    expect(list.body.words).toEqual(expect.arrayContaining([{ type: '0', word: 'foo', replaceWord: 'f*o' }, { type: '1', word: 'bar', replaceWord: '' }]));
    expect((await open.post('/sensitiveword/list.json', { type: 1 })).body.words).not.toContainEqual(expect.objectContaining({ word: 'foo' }));
    await open.post('/sensitiveword/batch/delete.json', { words: ['bar'] });
    const bob = await connectDevice(t, open, 'sw2-bob');
    const ann = await connectDevice(t, open, 'sw2-ann');
    await wsSend(ann, 'sw2-bob', 'bar foo');
    const [message] = await bob.received(1);
    expect(JSON.parse(message!.content)).toEqual(text('bar f*o'));
  });
});

describe('conversation notification mute', () => {
  it('is stored per user and conversation, readable over WebSocket, and never changes delivery', async () => {
    const set = await open.post('/conversation/notification/set.json', { conversationType: 1, requestId: 'mute-me', targetId: 'noisy', isMuted: 1 });
    expect(set.body.code).toBe(200);
    expect((await open.post('/conversation/notification/get.json', { conversationType: 1, requestId: 'mute-me', targetId: 'noisy' })).body).toEqual({ code: 200, isMuted: 1, unpushLevel: 5 });
    expect((await open.post('/conversation/notification/get.json', { conversationType: 1, requestId: 'mute-me', targetId: 'quiet' })).body).toMatchObject({ isMuted: 0 });
    await open.post('/conversation/type/notification/set.json', { conversationType: 3, requestId: 'mute-me', unpushLevel: 1 });
    expect((await open.post('/conversation/type/notification/get.json', { conversationType: 3, requestId: 'mute-me' })).body).toEqual({ code: 200, unpushLevel: 1 });

    const device = await connectDevice(t, open, 'mute-me');
    const settings = await device.client.request<{ notifications: unknown[] }>('conversation.notifications');
    expect(settings.notifications).toEqual([
      { conversationType: 1, targetId: 'noisy', busChannel: '', unpushLevel: 5 },
      { conversationType: 3, targetId: '', busChannel: '', unpushLevel: 1 },
    ]);
    await restSend(open, 'noisy', 'mute-me');
    await device.received(1);

    await open.post('/conversation/notification/set.json', { conversationType: 1, requestId: 'mute-me', targetId: 'noisy', isMuted: 0 });
    expect((await open.post('/conversation/notification/get.json', { conversationType: 1, requestId: 'mute-me', targetId: 'noisy' })).body).toMatchObject({ isMuted: 0 });
  });
});

describe('bad input gets 1002 and changes nothing', () => {
  it.each([
    ['/user/blacklist/add.json', { userId: 'x' }],
    ['/user/blacklist/add.json', { userId: 'x', blackUserId: Array.from({ length: 21 }, (_, i) => `b${i}`) }],
    ['/user/blacklist/add.json', { userId: 'u'.repeat(65), blackUserId: 'y' }],
    ['/user/whitelist/add.json', { whiteUserId: 'y' }],
    ['/user/blacklist/query.json', { userId: 'x', size: 0 }],
    ['/user/block.json', { userId: 'x', minute: 0 }],
    ['/user/block.json', { userId: 'x', minute: 43_201 }],
    ['/user/block.json', { minute: 5 }],
    ['/user/unblock.json', {}],
    ['/friend/add.json', { userId: 'x', targetId: 'y', directionType: 3 }],
    ['/sensitiveword/add.json', { word: '-' }],
    ['/sensitiveword/add.json', { word: 'w'.repeat(65) }],
    ['/sensitiveword/batch/delete.json', { words: Array.from({ length: 51 }, (_, i) => `w${i}`) }],
    ['/conversation/notification/set.json', { conversationType: 1, requestId: 'x', targetId: 'y', isMuted: 2 }],
    ['/conversation/type/notification/set.json', { conversationType: 1, requestId: 'x', unpushLevel: 9 }],
  ])('%s %j', async (path, body) => {
    const res = await open.post(path, body);
    expect([res.status, res.body.code]).toEqual([400, 1002]);
  });

  it('wrote none of it', async () => {
    expect((await open.post('/user/blacklist/query.json', { userId: 'x' })).body.users).toEqual([]);
    expect((await open.post('/user/block/query.json', {})).body.users).not.toContainEqual(expect.objectContaining({ userId: 'x' }));
    expect((await open.post('/sensitiveword/list.json', {})).body.words).not.toContainEqual(expect.objectContaining({ word: '-' }));
    expect((await open.post('/conversation/notification/get.json', { conversationType: 1, requestId: 'x', targetId: 'y' })).body).toMatchObject({ isMuted: 0 });
  });
});
