import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, settle } from '../helpers/device.js';
import { openRaw } from '../helpers/raw-socket.js';
import { signHeaders, startServer, type TestServer } from '../helpers/server.js';

/**
 * Input built to hurt (deep nesting, NUL and unpaired surrogates, ids of the wrong type,
 * templates that blow up): every one gets a coded 1002, writes nothing, and the node
 * keeps serving. The raw-socket attacks on a real process are in abuse.test.ts.
 */
let t: TestServer;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (logLines.push(chunk.toString()), done()) });
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true } }], logger: pino({ level: 'info' }, sink) });
});
afterAll(() => t.close());

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const text = (s: string) => JSON.stringify({ content: s });

async function inboxIsEmpty(userId: string): Promise<boolean> {
  const head = await t.deps.inbox.head(t.app().appKey, userId, Date.now());
  return head.seq === head.baseSeq;
}

async function historyRows(): Promise<number> {
  const { rows } = await t.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE app_key = $1', [t.app().appKey]);
  return rows[0]!.n;
}

describe('WebSocket frames', () => {
  it('a frame nested 5,000 deep, before connect, is 1002 and the socket and node stay up', async () => {
    const raw = await openRaw(t.wsUrl);
    raw.send(`{"op":"send","id":1,"conversationType":1,"targetId":"x","objectName":"RC:TxtMsg","content":${nested(5000)}}`);
    expect(await raw.next((f) => f.op === 'result')).toMatchObject({ ok: false, code: 1002 });
    raw.send({ op: 'ping', id: 2 });
    expect(await raw.next((f) => f.id === 2)).toMatchObject({ ok: false, code: 33001 });
    raw.ws.close();
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
  });

  it('after connect: deep content (object or string), NUL, unpaired surrogates and foreign ids are 1002 and nothing is sent', async () => {
    const receiver = await connectDevice(t, t.app(), 'ws-receiver');
    const sender = await t.device(t.app(), 'ws-sender');
    const rowsBefore = await historyRows();
    const send = (fields: Record<string, unknown>) => sender.request('send', { conversationType: 1, targetId: 'ws-receiver', objectName: 'RC:TxtMsg', content: text('hi'), ...fields });
    const refusals: Array<Record<string, unknown>> = [
      { content: nested(5000) },
      { objectName: 'App:Custom', content: 'a\u0000b' },
      { pushContent: 'x\u0000' },
      { objectName: 'App:Custom', content: 'lone \ud800 surrogate' },
      { targetId: 'ws-\u{1F600}' },
      { targetId: 'ws-receiver\u0000' },
      { toUserIds: ['ok', 'no way'], conversationType: 3, targetId: 'g' },
      { clientMsgId: 'k\u0000' },
    ];
    for (const fields of refusals) await expect(send(fields), JSON.stringify(fields)).rejects.toMatchObject({ code: 1002 });
    // A frame itself nested too deep is refused before it is parsed, so without its id.
    const raw = await openRaw(t.wsUrl);
    raw.send(`{"op":"send","id":7,"conversationType":1,"targetId":"ws-receiver","objectName":"RC:TxtMsg","content":${nested(100)}}`);
    expect(await raw.next((f) => f.op === 'result')).toMatchObject({ id: null, ok: false, code: 1002 });
    raw.ws.close();
    await settle();
    expect(receiver.messages).toHaveLength(0);
    expect(await inboxIsEmpty('ws-receiver')).toBe(true);
    expect(await historyRows()).toBe(rowsBefore);
    // Depth 64 is still a message.
    await expect(send({ content: JSON.stringify({ content: 'deep', extra: JSON.parse(nested(62)) as object }) })).resolves.toMatchObject({ messageUId: expect.any(String) });
    await receiver.received(1);
  });
});

describe('REST bodies', () => {
  const publish = { fromUserId: 'rest-sender', toUserId: 'rest-receiver', objectName: 'RC:TxtMsg', content: text('hi') };

  it('a JSON body or a form content nested 5,000 deep is 1002, never a 500', async () => {
    const rowsBefore = await historyRows();
    const json = await fetch(`${t.baseUrl}/message/private/publish.json`, {
      method: 'POST',
      headers: { ...signHeaders(t.app()), 'Content-Type': 'application/json' },
      body: `{"fromUserId":"a","toUserId":"b","objectName":"RC:TxtMsg","content":${nested(5000)}}`,
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { code: number }).code).toBe(1002);
    expect(await t.app().post('/message/private/publish.json', { ...publish, content: nested(5000) })).toMatchObject({ status: 400, body: { code: 1002 } });
    expect(await historyRows()).toBe(rowsBefore);
  });

  it('NUL or an unpaired surrogate in any text field is 1002 naming the field, and writes nothing', async () => {
    const rowsBefore = await historyRows();
    const cases: Array<[string, Record<string, unknown>, boolean?]> = [
      ['/user/getToken.json', { userId: 'nul-user', name: 'a\u0000b' }],
      ['/user/getToken.json', { userId: 'nul-user', name: 'x', portraitUri: '\udfff' }, true],
      ['/message/private/publish.json', { ...publish, objectName: 'App:Custom', content: 'a\u0000b' }],
      ['/message/private/publish.json', { ...publish, pushData: 'p\u0000' }],
      ['/message/private/publish.json', { ...publish, expansion: true, extraContent: '{"k":"v\\u0000"}' }],
      ['/message/private/publish.json', { ...publish, expansion: true, extraContent: { k: 'v\ud800' } }, true],
    ];
    for (const [path, body, json] of cases) {
      const res = await t.app().post(path, body as never, { json });
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.code).toBe(1002);
    }
    const { rows } = await t.deps.sql.query('SELECT 1 FROM users WHERE app_key = $1 AND user_id = $2', [t.app().appKey, 'nul-user']);
    expect(rows).toHaveLength(0);
    expect(await historyRows()).toBe(rowsBefore);
    expect(await inboxIsEmpty('rest-receiver')).toBe(true);
  });

  it('ids are one rule: JSON true, -1 and 1e308 are not user ids; a whole number is taken as its text', async () => {
    for (const userId of [true, -1, 1e308, 1.5]) {
      expect((await t.app().post('/user/getToken.json', { userId, name: 'n' }, { json: true })).body.code).toBe(1002);
    }
    const numeric = await t.app().post('/user/getToken.json', { userId: 10001, name: 'n' }, { json: true });
    expect(numeric.body).toMatchObject({ code: 200, userId: '10001' });
  });

  it('a template that would fill to megabytes is refused at once, before it is built', async () => {
    const receivers = Array.from({ length: 100 }, (_, i) => `tpl-${i}`);
    const started = Date.now();
    const res = await t.app().post(
      '/message/private/publish_template.json',
      { fromUserId: 'tpl-admin', objectName: 'RC:TxtMsg', content: text('{v}'.repeat(5000)), toUserId: receivers, values: receivers.map(() => ({ '{v}': 'x'.repeat(4096) })) } as never,
      { json: true },
    );
    expect(res).toMatchObject({ status: 400, body: { code: 1002 } });
    expect(Date.now() - started).toBeLessThan(2_000);
    const tooMany = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`{p${i}}`, 'v']));
    expect((await t.app().post('/message/private/publish_template.json', { fromUserId: 'tpl-admin', objectName: 'RC:TxtMsg', content: text('{p0}'), toUserId: ['tpl-0'], values: [tooMany] } as never, { json: true })).body.code).toBe(1002);
    expect(await inboxIsEmpty('tpl-0')).toBe(true);
  });

  it('a value is never filled into another placeholder inserted before it', async () => {
    const device = await connectDevice(t, t.app(), 'tpl-once');
    await t.app().post('/message/private/publish_template.json', { fromUserId: 'tpl-admin', objectName: 'RC:TxtMsg', content: text('{a}-{b}'), toUserId: ['tpl-once'], values: [{ '{a}': '{b}', '{b}': 'B' }] } as never, { json: true });
    const [message] = await device.received(1);
    expect(JSON.parse(message!.content)).toEqual({ content: '{b}-B' });
  });
});

describe('authentication and logs', () => {
  it('an unknown App-Key and a wrong signature get the same answer', async () => {
    const answer = async (headers: Record<string, string>) => {
      const res = await fetch(`${t.baseUrl}/user/getToken.json`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'userId=u&name=n' });
      return { status: res.status, body: await res.json() };
    };
    const unknownKey = await answer(signHeaders({ appKey: 'no-such-app', appSecret: 'whatever' }));
    const wrongSignature = await answer({ ...signHeaders(t.app()), Signature: 'f'.repeat(40) });
    expect(unknownKey).toEqual(wrongSignature);
    expect(unknownKey.body).toMatchObject({ code: 1004 });
  });

  it('signed download links are redacted in the request log', async () => {
    await fetch(`${t.baseUrl}/message/history/files/${t.app().appKey}/2024010100.zip?expires=1&signature=c0ffee-secret`);
    await expect.poll(() => logLines.some((line) => line.includes('/message/history/files/'))).toBe(true);
    const lines = logLines.filter((line) => line.includes('/message/history/files/'));
    expect(lines.join('\n')).not.toContain('c0ffee-secret');
    expect(lines.join('\n')).toContain('signature=%5Bredacted%5D');
  });
});
