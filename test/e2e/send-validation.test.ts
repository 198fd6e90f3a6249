import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import { startServer, type FormBody, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

const good = { fromUserId: 'admin', toUserId: 'victim', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'x' }) };
const paths = ['/message/private/publish.json', '/statusmessage/private/publish.json', '/message/system/publish.json'];

describe('bad input on send endpoints gets a coded 4xx and delivers nothing', () => {
  const cases: Array<[string, FormBody]> = [
    ['missing fromUserId', { ...good, fromUserId: undefined }],
    ['missing toUserId', { ...good, toUserId: undefined }],
    ['missing objectName', { ...good, objectName: undefined }],
    ['missing content', { ...good, content: undefined }],
    ['content that is not JSON for an RC: type', { ...good, content: 'hello' }],
    ['content over 128 KB', { ...good, content: JSON.stringify({ content: 'x'.repeat(131_072) }) }],
    ['an objectName over 32 characters', { ...good, objectName: 'Y'.repeat(33) }],
    ['a 65-byte fromUserId', { ...good, fromUserId: 'f'.repeat(65) }],
    ['1001 receivers', { ...good, toUserId: [...Array.from({ length: 1000 }, (_, i) => `u${i}`), 'victim'] }],
    ['a non-numeric msgRandom', { ...good, msgRandom: 'abc' }],
    ['a flag that is not a flag', { ...good, isIncludeSender: 'maybe' }],
  ];

  for (const path of paths) {
    it.each(cases)(`${path}: %s`, async (_label, body) => {
      const victim = await connectDevice(t, t.app(), 'victim');
      const res = await t.app().post(path, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(1002);
      expect(typeof res.body.errorMessage).toBe('string');
      await settle(60);
      expect(victim.messages).toHaveLength(0);
      const head = await t.deps.inbox.head(t.app().appKey, 'victim', Date.now());
      expect(head.seq).toBe(head.baseSeq);
      await victim.close();
    });
  }

  it('system publish takes at most 100 receivers', async () => {
    const res = await t.app().post('/message/system/publish.json', { ...good, toUserId: Array.from({ length: 101 }, (_, i) => `s${i}`) });
    expect([res.status, res.body.code]).toEqual([400, 1002]);
  });

  it('templates need one values entry per receiver, and JSON', async () => {
    const res = await t.app().post('/message/private/publish_template.json', { fromUserId: 'a', objectName: 'RC:TxtMsg', content: '{"content":"{x}"}', toUserId: ['victim', 'b'], values: [{ '{x}': '1' }] } as never, { json: true });
    expect([res.status, res.body.code]).toEqual([400, 1002]);
    const noValues = await t.app().post('/message/private/publish_template.json', { fromUserId: 'a', objectName: 'RC:TxtMsg', content: '{"content":"x"}', toUserId: ['victim'] }, { json: true });
    expect(noValues.body.code).toBe(1002);
    const head = await t.deps.inbox.head(t.app().appKey, 'victim', Date.now());
    expect(head.seq).toBe(head.baseSeq);
  });

  it('broadcasts refuse bad content before accepting', async () => {
    for (const path of ['/message/broadcast.json', '/message/online/broadcast.json']) {
      const res = await t.app().post(path, { fromUserId: 'a', objectName: 'RC:TxtMsg', content: 'not json' });
      expect([path, res.status, res.body.code]).toEqual([path, 400, 1002]);
    }
  });
});

describe('idempotent sends', () => {
  it.each([
    ['an Idempotency-Key header', { headers: { 'Idempotency-Key': 'req-42' } }, {}],
    ['msgRandom', {}, { msgRandom: 987654321 }],
  ])('a retry with %s returns the first messageUIDs and delivers once', async (_label, options, extra) => {
    const userId = `idem-${Object.keys(extra).length}`;
    const receiver = await connectDevice(t, t.app(), userId);
    const body = { ...good, toUserId: userId, ...extra };
    const first = await t.app().post('/message/private/publish.json', body, options);
    const retry = await t.app().post('/message/private/publish.json', body, options);
    expect(first.body.code).toBe(200);
    expect(retry.body).toEqual(first.body);
    await receiver.received(1);
    await settle();
    expect(receiver.messages).toHaveLength(1);
  });
});
