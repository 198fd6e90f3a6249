import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFrame } from '../../src/gateway/frames.js';
import { fromSchema, hostile, storeDigest, type JsonSchema } from '../helpers/fuzz.js';
import { openRaw, type RawSocket } from '../helpers/raw-socket.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * Every WebSocket frame type, generated from the frame schemas (mostly fitting, some built
 * to hurt), before and after `connect`: every request is answered once, never with 1000
 * (a fault of ours); a refused one writes nothing; the socket and the node stay up.
 */
let t: TestServer;
const frameSchema = z.toJSONSchema(clientFrame, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const variants = frameSchema.oneOf ?? frameSchema.anyOf ?? [];
const runsPerVariant = Number(process.env.FUZZ_RUNS ?? 8);

beforeAll(async () => {
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true, multiDeviceSync: true } }] });
  const api = t.app();
  for (const userId of ['fz-a', 'fz-b']) await api.post('/user/getToken.json', { userId, name: userId });
  await api.post('/group/create.json', { userId: ['fz-a', 'fz-b'], groupId: 'fz-group', groupName: 'G' });
  await api.post('/chatroom/create.json', { 'chatroom[fz-room]': 'R' });
});
afterAll(() => t.close());

let nextId = 1;
const digest = () => storeDigest((text) => t.deps.sql.query(text));

/** Sends a frame with a fresh id and waits for its one answer. */
async function exchange(socket: RawSocket, frame: unknown): Promise<Record<string, unknown>> {
  const id = nextId++;
  const withId = typeof frame === 'object' && frame !== null && !Array.isArray(frame) ? { ...frame, id } : frame;
  socket.send(JSON.stringify(withId));
  if (withId === frame) return socket.next((f) => f.op === 'result' && f.id === null);
  return socket.next((f) => f.op === 'result' && f.id === id);
}

async function connected(): Promise<RawSocket> {
  const { body } = await t.app().post('/user/getToken.json', { userId: 'fz-a', name: 'A' });
  const socket = await openRaw(t.wsUrl);
  expect(await exchange(socket, { op: 'connect', token: body.token, deviceId: 'fz-a-web', platform: 'web' })).toMatchObject({ ok: true });
  return socket;
}

describe('every WebSocket frame, fuzzed from its schema', () => {
  it('covers every frame type', () => {
    expect(variants.length).toBe(clientFrame.options.length);
  });

  it('before connect: everything but a good connect is refused with a code, and the node stays up', async () => {
    let socket = await openRaw(t.wsUrl);
    const failures: string[] = [];
    let known = await digest();
    await fc.assert(
      fc.asyncProperty(fc.oneof(...variants.map((v) => fromSchema(v)), hostile), async (frame) => {
        if (socket.ws.readyState !== socket.ws.OPEN) socket = await openRaw(t.wsUrl);
        const answer = await exchange(socket, frame);
        if (answer.ok !== false || answer.code === 1000) failures.push(`${JSON.stringify(answer)} for ${JSON.stringify(frame).slice(0, 200)}`);
        const after = await digest();
        if (after !== known) failures.push(`wrote for ${JSON.stringify(frame).slice(0, 200)}`);
        known = after;
        return true;
      }),
      { numRuns: runsPerVariant * variants.length },
    );
    socket.ws.close();
    expect(failures).toEqual([]);
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
  }, 90_000);

  it('after connect: every request is answered once, a refusal writes nothing, the socket stays open', async () => {
    let socket = await connected();
    const failures: string[] = [];
    const answers = new Map<string, number>();
    let known = await digest();
    for (const variant of variants) {
      await fc.assert(
        fc.asyncProperty(fromSchema(variant), async (frame) => {
          const answer = await exchange(socket, frame);
          const op = (frame as { op?: unknown } | null)?.op;
          const key = `${typeof op === 'string' ? op : typeof op}:${answer.ok === true ? 'ok' : String(answer.code)}`;
          answers.set(key, (answers.get(key) ?? 0) + 1);
          if (answer.ok === false && answer.code === 1000) failures.push(`fault for ${JSON.stringify(frame).slice(0, 200)}`);
          const after = await digest();
          if (answer.ok === false && after !== known) failures.push(`refused ${String(answer.code)} but wrote, for ${JSON.stringify(frame).slice(0, 200)}`);
          known = after;
          // A second connect is refused; a kick or close ends this socket: start a new one.
          if (socket.ws.readyState !== socket.ws.OPEN) socket = await connected();
          return true;
        }),
        { numRuns: runsPerVariant },
      );
    }
    socket.ws.close();
    expect(failures).toEqual([]);
    expect([...answers.keys()].some((k) => k.endsWith(':ok'))).toBe(true);
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
  }, 90_000);
});
