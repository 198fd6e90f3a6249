import { describe, expect, it } from 'vitest';
import { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame, type ClientFrame, type ServerFrame } from '../../src/gateway/rongcloud/frames.js';
import { decodeMessage, encodeMessage } from '../../src/gateway/rongcloud/schema.js';
import { isRongCloudTopic } from '../../src/gateway/rongcloud/topics.js';

const limit = 512 * 1024;
const payload = Uint8Array.of(1, 2, 3, 250);

describe('RongCloud frames', () => {
  const clientFrames: ClientFrame[] = [
    { kind: 'publish', qos: 1, topic: 'ppMsgP', targetId: 'u2', messageId: 7, payload },
    { kind: 'query', qos: 0, topic: 'pullMsg', targetId: 'ü-1', messageId: 65535, payload: new Uint8Array(0) },
    { kind: 'puback', messageId: 300 },
    { kind: 'queryCon', messageId: 2 },
    { kind: 'ping' },
    { kind: 'disconnect', status: 4 },
  ];
  it.each(clientFrames)('client $kind round-trips', (frame) => {
    expect(decodeClientFrame(encodeClientFrame(frame), limit)).toEqual({ ok: true, frame });
  });

  const serverFrames: ServerFrame[] = [
    { kind: 'connack', status: 0, userId: 'u1', sessionId: 's-1', time: 1_763_800_000_123 },
    { kind: 'connack', status: 4, userId: '', sessionId: '', time: 0 },
    { kind: 'publish', qos: 0, dup: true, time: 1_763_800_000_000, topic: 's_ntf', targetId: 'u1', messageId: 9, payload },
    { kind: 'puback', messageId: 9, time: 1_763_800_000_456, status: 0, messageUId: 'BJN3-LSG0-7MUC-OR7A' },
    { kind: 'queryAck', qos: 0, messageId: 3, time: 1_763_800_000_000, status: 34022, payload: new Uint8Array(0) },
    { kind: 'pong' },
    { kind: 'disconnect', status: 1 },
  ];
  it.each(serverFrames)('server $kind round-trips (protocol 3 and 4)', (frame) => {
    expect(decodeServerFrame(encodeServerFrame(frame, 3), limit, 3)).toEqual({ ok: true, frame });
    expect(decodeServerFrame(encodeServerFrame(frame, 4), limit, 4)).toEqual({ ok: true, frame });
  });

  it('lays out a client PUBLISH as the SDK does: header, topic, target, message id, protobuf', () => {
    const bytes = encodeClientFrame({ kind: 'publish', qos: 1, topic: 'ab', targetId: 'c', messageId: 258, payload: Uint8Array.of(9) });
    expect([...bytes]).toEqual([0x32, 0, 2, 0x61, 0x62, 0, 1, 0x63, 1, 2, 9]);
  });

  it.each([
    ['an empty frame', new Uint8Array(0), 'empty frame'],
    ['a header alone where a topic must follow', Uint8Array.of(0x32), 'truncated topic length'],
    ['a topic longer than the frame', Uint8Array.of(0x32, 0, 9, 0x61), 'truncated topic'],
    ['no message id', Uint8Array.of(0x32, 0, 1, 0x61, 0, 0), 'truncated message id'],
    ['a server command', Uint8Array.of(0x20, 0, 0), 'command 2 is not one a client sends'],
    ['a string that is not UTF-8', Uint8Array.of(0x32, 0, 1, 0xff, 0, 0, 0, 1), 'a string is not UTF-8'],
  ])('refuses %s with a reason', (_name, bytes, reason) => {
    expect(decodeClientFrame(bytes, limit)).toEqual({ ok: false, reason });
  });

  it('refuses a 10 MB frame before reading it', () => {
    const huge = new Uint8Array(10 * 1024 * 1024);
    huge[0] = 0x32;
    const result = decodeClientFrame(huge, limit);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/over the limit/);
  });

  it('knows RongCloud topics from others', () => {
    expect(isRongCloudTopic('pullMsg')).toBe(true);
    expect(isRongCloudTopic('qryRelationR')).toBe(true);
    expect(isRongCloudTopic('stealSecrets')).toBe(false);
  });
});

describe('RongCloud protobuf messages', () => {
  it('round-trips a message list with 64-bit times', () => {
    const value = {
      list: [{ fromUserId: 'u2', type: 1, classname: 'RC:TxtMsg', content: '{"content":"hi"}', dataTime: 1_763_800_000_123, status: 48, msgId: 'BJN3-LSG0-7MUC-OR7A', direction: 2, toUserIds: [] }],
      syncTime: 1_763_700_000_042,
      finished: true,
    };
    expect(decodeMessage('DownStreamMessages', encodeMessage('DownStreamMessages', value))).toEqual({ ok: true, value });
  });

  it('reads what the SDK sends for a text message', () => {
    const sent = { sessionId: 3, classname: 'RC:TxtMsg', content: '{"content":"hi"}', toUserIds: [], clientUniqueId: 364269553582188 };
    expect(decodeMessage('UpStreamMessage', encodeMessage('UpStreamMessage', sent))).toEqual({ ok: true, value: sent });
  });

  it('refuses bytes that are not the message, or lack a required field', () => {
    const garbage = decodeMessage('UpStreamMessage', Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff));
    expect(garbage.ok).toBe(false);
    const missing = decodeMessage('UpStreamMessage', encodeMessage('NotifyMsg', { type: 1 }));
    expect(missing).toEqual({ ok: false, reason: expect.stringContaining('missing required') });
  });
});
