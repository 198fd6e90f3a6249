import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ParleyClient } from '../../src/client/node.js';

/**
 * The client against a scripted server: it records every `connect` and lets the
 * test push frames and drop connections, to check resume-from-seq and backoff.
 */
let wss: WebSocketServer;
let url: string;
const connects: Array<Record<string, unknown>> = [];
const sockets: WebSocket[] = [];
const syncRequests: Array<Record<string, unknown>> = [];
const acks: number[] = [];

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      if (frame.op === 'connect') {
        connects.push(frame);
        ws.send(JSON.stringify({ op: 'result', id: frame.id, ok: true, data: { userId: 'u', sessionId: 's', seq: 9, epoch: 'e1' } }));
      } else if (frame.op === 'sync') {
        syncRequests.push(frame);
        // Without `expansions`, as servers older than the expansion event answer: the client copes.
        ws.send(JSON.stringify({ op: 'result', id: frame.id, ok: true, data: { messages: [message(Number(frame.afterSeq) + 1).message], hasMore: false } }));
      } else if (frame.op === 'ack') {
        acks.push(Number(frame.seq));
        ws.send(JSON.stringify({ op: 'result', id: frame.id, ok: true, data: {} }));
      } else if (frame.op === 'slow') {
        // never answered: exercises the request timeout
      } else {
        ws.send(JSON.stringify({ op: 'result', id: frame.id, ok: false, code: 1002, error: 'nope' }));
      }
    });
  });
});
afterAll(() => new Promise<void>((resolve) => wss.close(() => resolve())));

const message = (seq: number) => ({
  op: 'message',
  message: { messageUId: `M${seq}`, seq, conversationType: 1, targetId: 'x', busChannel: '', senderUserId: 'x', objectName: 'RC:TxtMsg', content: '{}', sentTime: 1, sender: { name: '', portraitUri: '' }, pushContent: '', isStatus: false, recalled: false },
});

describe('ParleyClient', () => {
  it('reconnects after an unexpected close and resumes from the highest seq and epoch it holds', async () => {
    const client = new ParleyClient({ url, token: 't', deviceId: 'd', platform: 'ios', lastSeq: 2, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    await client.connect();
    expect(connects.at(-1)).toMatchObject({ lastSeq: 2, token: 't', deviceId: 'd', platform: 'ios' });
    const received: number[] = [];
    client.on('message', (m) => received.push(m.seq ?? -1));
    sockets.at(-1)!.send(JSON.stringify(message(3)));
    sockets.at(-1)!.send(JSON.stringify(message(4)));
    await expect.poll(() => received).toEqual([3, 4]);
    const reconnected = new Promise((resolve) => client.once('connected', resolve));
    sockets.at(-1)!.terminate();
    await reconnected;
    expect(connects.at(-1)).toMatchObject({ lastSeq: 4, epoch: 'e1' });
    await client.close();
  });

  it('counts a seq as held only with nothing missing below it, drops duplicates, fills a hole with sync, and acks the watermark', async () => {
    const client = new ParleyClient({ url, token: 't', deviceId: 'd', platform: 'ios', lastSeq: 10, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    await client.connect();
    const received: number[] = [];
    client.on('message', (m) => received.push(m.seq ?? -1));
    const server = sockets.at(-1)!;
    server.send(JSON.stringify({ op: 'synced', seq: 10 }));
    server.send(JSON.stringify(message(11)));
    server.send(JSON.stringify(message(13))); // overtook 12
    server.send(JSON.stringify(message(13))); // duplicate
    server.send(JSON.stringify(message(11))); // duplicate
    await expect.poll(() => received).toEqual([11, 13]);
    expect(client.lastSeq).toBe(11);
    // 12 never comes live: after a short wait the client asks for it.
    await expect.poll(() => syncRequests.at(-1)).toMatchObject({ afterSeq: 11 });
    await expect.poll(() => received).toEqual([11, 13, 12]);
    expect(client.lastSeq).toBe(13);
    await expect.poll(() => acks.at(-1)).toBe(13);
    await client.close();
  });

  it('takes the synced seq as settled', async () => {
    const client = new ParleyClient({ url, token: 't', deviceId: 'd', platform: 'ios', lastSeq: 1, reconnect: false });
    await client.connect();
    sockets.at(-1)!.send(JSON.stringify({ op: 'synced', seq: 40 }));
    await expect.poll(() => client.lastSeq).toBe(40);
    await client.close();
  });

  it('does not reconnect after being kicked (4002) or after close()', async () => {
    const client = new ParleyClient({ url, token: 't', deviceId: 'd', platform: 'web', reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    await client.connect();
    const before = connects.length;
    const kicked = new Promise((resolve) => client.once('kicked', resolve));
    sockets.at(-1)!.send(JSON.stringify({ op: 'kicked', reason: 'same-platform-login' }));
    sockets.at(-1)!.close(4002);
    expect(await kicked).toBe('same-platform-login');
    await new Promise((r) => setTimeout(r, 100));
    expect(connects.length).toBe(before);
    expect(client.isOpen).toBe(false);
  });

  it('rejects a request with the server code, and times out an unanswered one', async () => {
    const client = new ParleyClient({ url, token: 't', deviceId: 'd', platform: 'desktop', reconnect: false, requestTimeoutMs: 500 });
    await client.connect();
    await expect(client.request('bogus')).rejects.toMatchObject({ code: 1002, message: 'nope' });
    await expect(client.request('slow')).rejects.toMatchObject({ code: 30003 });
    await client.close();
    await expect(client.request('ping')).rejects.toMatchObject({ code: 33001 });
  });
});
