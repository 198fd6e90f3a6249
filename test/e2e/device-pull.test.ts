import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gap } from '../../src/core/catch-up.js';
import type { DeviceLink, DeviceSession } from '../../src/core/device-session.js';
import type { OutgoingMessage } from '../../src/core/outgoing.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';

/**
 * A device that pulls its inbox itself (RongCloud's SDK does), driven through the core's
 * device facade without a transport: connecting sends it nothing owed, `pull` pages
 * through what it is owed by the catch-up rules, and live pushes still reach it.
 */
let t: TestServer;
let plain: TestApp;
let capped: TestApp;

beforeAll(async () => {
  t = await startServer({ apps: [{}, { features: { offlineMessageCap: 3 } }] });
  [plain, capped] = [t.app(0), t.app(1)];
});
afterAll(() => t.close());

/** Records what the core hands the device. */
class RecordingLink implements DeviceLink {
  readonly live: Array<{ content: string; seq: number | undefined }> = [];
  readonly caught: number[] = [];
  readonly syncs: Array<{ seq: number; gap: Gap | undefined }> = [];
  message(message: OutgoingMessage, seq: number | undefined): void {
    this.live.push({ content: message.view.content, seq });
  }
  async caughtUp(_message: OutgoingMessage, seq: number): Promise<void> {
    this.caught.push(seq);
  }
  synced(seq: number, gap: Gap | undefined): void {
    this.syncs.push({ seq, gap });
  }
  kicked(): void {}
  reconnect(): void {}
}

const body = (n: number) => JSON.stringify({ content: `m${n}` });

async function sendMany(app: TestApp, to: string, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) {
    const { body: answer } = await app.post('/message/private/publish.json', { fromUserId: 'source', toUserId: to, objectName: 'RC:TxtMsg', content: body(n) });
    expect(answer.code).toBe(200);
  }
}

async function connectPulling(app: TestApp, userId: string): Promise<{ session: DeviceSession; link: RecordingLink; head: number }> {
  const { body: answer } = await app.post('/user/getToken.json', { userId });
  const link = new RecordingLink();
  let head = -1;
  const request = { token: String(answer.token), appKey: app.appKey, deviceId: `${userId}-web`, platform: 'web' as const, lastSeq: 0, pulls: true };
  const session = await t.deps.devices.connect(link, request, (_opened, h) => (head = h.seq));
  return { session, link, head };
}

const contents = (pull: { messages: Array<{ message: OutgoingMessage }> }) => pull.messages.map(({ message }) => message.view.content);

describe('a device that pulls its inbox', () => {
  it('is sent nothing owed when it connects, only told where the inbox stands', async () => {
    await sendMany(plain, 'quiet', 2);
    const { session, link, head } = await connectPulling(plain, 'quiet');
    expect(link.caught).toEqual([]);
    expect(link.syncs).toEqual([{ seq: head, gap: undefined }]);
    await t.deps.devices.disconnect(session);
  });

  it('pulls page by page: each page after the last, none twice, `more` until the end', async () => {
    await sendMany(plain, 'pager', 5);
    const { session } = await connectPulling(plain, 'pager');
    const first = await session.pull(0, 2);
    expect(contents(first)).toEqual([body(1), body(2)]);
    expect(first).toMatchObject({ more: true, syncedUpTo: first.messages[1]!.seq });
    const second = await session.pull(first.syncedUpTo, 2);
    expect(contents(second)).toEqual([body(3), body(4)]);
    expect(second.more).toBe(true);
    const last = await session.pull(second.syncedUpTo, 2);
    expect(contents(last)).toEqual([body(5)]);
    expect(last).toMatchObject({ more: false, syncedUpTo: last.messages[0]!.seq });
    expect(await session.pull(last.syncedUpTo, 2)).toEqual({ messages: [], syncedUpTo: last.syncedUpTo, more: false });
    await t.deps.devices.disconnect(session);
  });

  it('a full last page is not taken for more', async () => {
    await sendMany(plain, 'exact', 2);
    const { session } = await connectPulling(plain, 'exact');
    expect(await session.pull(0, 2)).toMatchObject({ more: false });
    await t.deps.devices.disconnect(session);
  });

  it('gets live pushes with their seq once connected', async () => {
    const { session, link, head } = await connectPulling(plain, 'listener');
    await sendMany(plain, 'listener', 1);
    await expect.poll(() => link.live).toEqual([{ content: body(1), seq: head + 1 }]);
    await t.deps.devices.disconnect(session);
  });

  it('is told of entries owed but trimmed, as a gap', async () => {
    await sendMany(capped, 'trimmed', 5);
    const { session } = await connectPulling(capped, 'trimmed');
    const pull = await session.pull(0, 10);
    expect(contents(pull)).toEqual([body(3), body(4), body(5)]);
    expect(pull.gap).toMatchObject({ reason: 'cap', toSeq: pull.messages[0]!.seq - 1 });
    await t.deps.devices.disconnect(session);
  });
});
