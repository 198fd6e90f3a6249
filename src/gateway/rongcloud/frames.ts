/**
 * The binary frames of RongCloud's client protocol (docs/rongcloud-client-protocol.md §3):
 * one header byte (command, dup, qos, retain, as in MQTT), then a body whose layout
 * depends on the command and on who sends it. One WebSocket message is one frame.
 * Decoding never throws: bytes that are not a frame come back as `{ ok: false, reason }`.
 */

export const commands = {
  connack: 2,
  publish: 3,
  puback: 4,
  query: 5,
  queryAck: 6,
  queryCon: 7,
  pingReq: 12,
  pingResp: 13,
  disconnect: 14,
} as const;

/** A client request: a PUBLISH (a send) or a QUERY, both answered by the message id. */
export interface RequestFrame {
  kind: 'publish' | 'query';
  qos: number;
  topic: string;
  targetId: string;
  messageId: number;
  payload: Uint8Array;
}

/** What a client sends. */
export type ClientFrame =
  | RequestFrame
  | { kind: 'puback' | 'queryCon'; messageId: number }
  | { kind: 'ping' }
  | { kind: 'disconnect'; status: number };

/** What the server sends. Times are ms; the wire carries seconds and, on PUBACK, the milliseconds apart. */
export type ServerFrame =
  | { kind: 'connack'; status: number; userId: string; sessionId: string; time: number }
  | { kind: 'publish'; qos: number; dup: boolean; time: number; topic: string; targetId: string; messageId: number; payload: Uint8Array }
  | { kind: 'puback'; messageId: number; time: number; status: number; messageUId: string }
  | { kind: 'queryAck'; qos: number; messageId: number; time: number; status: number; payload: Uint8Array }
  | { kind: 'pong' }
  | { kind: 'disconnect'; status: number };

/** `3`: the CONNACK carries userId, session id and time in a fixed order; `4`: behind a flags byte. */
export type ProtocolVersion = 3 | 4;

export type DecodeResult<F> = { ok: true; frame: F } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function header(command: number, qos = 0, dup = false): number {
  return (command << 4) | (dup ? 0b1000 : 0) | ((qos & 0b11) << 1);
}

/** Builds a frame from parts: bytes, 2-byte and 4-byte integers, strings and 8-byte times. */
class Writer {
  private readonly parts: Uint8Array[] = [];

  byte(value: number): this {
    this.parts.push(Uint8Array.of(value & 0xff));
    return this;
  }

  uint16(value: number): this {
    return this.byte(value >> 8).byte(value);
  }

  uint32(value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0);
    this.parts.push(bytes);
    return this;
  }

  uint64(value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(value));
    this.parts.push(bytes);
    return this;
  }

  string(value: string): this {
    const bytes = encoder.encode(value);
    if (bytes.length > 0xffff) throw new RangeError('frame string over 65535 bytes');
    this.uint16(bytes.length);
    this.parts.push(bytes);
    return this;
  }

  bytes(value: Uint8Array): this {
    this.parts.push(value);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

class Truncated extends Error {}

/** Reads a frame's parts; running past the end throws `Truncated`, caught by the decoders. */
class Reader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.at + n > this.data.length) throw new Truncated(`truncated ${what}`);
  }

  byte(what: string): number {
    this.need(1, what);
    return this.data[this.at++]!;
  }

  uint16(what: string): number {
    this.need(2, what);
    const value = this.view.getUint16(this.at);
    this.at += 2;
    return value;
  }

  uint32(what: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.at);
    this.at += 4;
    return value;
  }

  uint64(what: string): number {
    this.need(8, what);
    const value = Number(this.view.getBigUint64(this.at));
    this.at += 8;
    return value;
  }

  string(what: string): string {
    const length = this.uint16(`${what} length`);
    this.need(length, what);
    const bytes = this.data.subarray(this.at, this.at + length);
    this.at += length;
    return utf8.decode(bytes);
  }

  rest(): Uint8Array {
    const bytes = this.data.subarray(this.at);
    this.at = this.data.length;
    return bytes;
  }

  get done(): boolean {
    return this.at >= this.data.length;
  }
}

function decode<F>(data: Uint8Array, maxBytes: number, read: (command: number, qos: number, dup: boolean, r: Reader) => F | string): DecodeResult<F> {
  if (data.length === 0) return { ok: false, reason: 'empty frame' };
  if (data.length > maxBytes) return { ok: false, reason: `frame of ${data.length} bytes is over the limit of ${maxBytes}` };
  const r = new Reader(data);
  const first = r.byte('header');
  try {
    const result = read(first >> 4, (first >> 1) & 0b11, (first & 0b1000) !== 0, r);
    return typeof result === 'string' ? { ok: false, reason: result } : { ok: true, frame: result };
  } catch (err) {
    if (err instanceof Truncated) return { ok: false, reason: err.message };
    if (err instanceof TypeError) return { ok: false, reason: 'a string is not UTF-8' };
    throw err;
  }
}

/** A DISCONNECT body, the same both ways: a zero byte, then the status. */
function readDisconnect(r: Reader): { kind: 'disconnect'; status: number } {
  r.byte('disconnect');
  return { kind: 'disconnect', status: r.byte('disconnect status') };
}

export function decodeClientFrame(data: Uint8Array, maxBytes: number): DecodeResult<ClientFrame> {
  return decode<ClientFrame>(data, maxBytes, (command, qos, _dup, r) => {
    switch (command) {
      case commands.publish:
      case commands.query: {
        const topic = r.string('topic');
        const targetId = r.string('target id');
        const messageId = r.uint16('message id');
        return { kind: command === commands.publish ? 'publish' : 'query', qos, topic, targetId, messageId, payload: r.rest() };
      }
      case commands.puback:
        return { kind: 'puback', messageId: r.uint16('message id') };
      case commands.queryCon:
        return { kind: 'queryCon', messageId: r.uint16('message id') };
      case commands.pingReq:
        return { kind: 'ping' };
      case commands.disconnect:
        return readDisconnect(r);
      default:
        return `command ${command} is not one a client sends`;
    }
  });
}

export function encodeClientFrame(frame: ClientFrame): Uint8Array {
  const w = new Writer();
  switch (frame.kind) {
    case 'publish':
    case 'query':
      return w
        .byte(header(frame.kind === 'publish' ? commands.publish : commands.query, frame.qos))
        .string(frame.topic)
        .string(frame.targetId)
        .uint16(frame.messageId)
        .bytes(frame.payload)
        .finish();
    case 'puback':
    case 'queryCon':
      return w.byte(header(frame.kind === 'puback' ? commands.puback : commands.queryCon)).uint16(frame.messageId).finish();
    case 'ping':
      return w.byte(header(commands.pingReq)).finish();
    case 'disconnect':
      return w.byte(header(commands.disconnect)).byte(0).byte(frame.status).finish();
  }
}

export function encodeServerFrame(frame: ServerFrame, version: ProtocolVersion = 3): Uint8Array {
  const w = new Writer();
  switch (frame.kind) {
    case 'connack':
      w.byte(header(commands.connack)).byte(0).byte(frame.status);
      if (frame.status !== 0) return w.finish();
      // Version 4 names the fields present; Parley always sends userId, session id and time.
      if (version === 4) w.byte(0b0111);
      return w.string(frame.userId).string(frame.sessionId).uint64(frame.time).finish();
    case 'publish':
      return w
        .byte(header(commands.publish, frame.qos, frame.dup))
        .uint32(Math.floor(frame.time / 1000))
        .string(frame.topic)
        .string(frame.targetId)
        .uint16(frame.messageId)
        .bytes(frame.payload)
        .finish();
    case 'puback':
      return w
        .byte(header(commands.puback))
        .uint16(frame.messageId)
        .uint32(Math.floor(frame.time / 1000))
        .uint16(frame.status)
        .uint16(frame.time % 1000)
        .string(frame.messageUId)
        .finish();
    case 'queryAck':
      return w
        .byte(header(commands.queryAck, frame.qos))
        .uint16(frame.messageId)
        .uint32(Math.floor(frame.time / 1000))
        .uint16(frame.status)
        .bytes(frame.payload)
        .finish();
    case 'pong':
      return w.byte(header(commands.pingResp)).finish();
    case 'disconnect':
      return w.byte(header(commands.disconnect)).byte(0).byte(frame.status).finish();
  }
}

export function decodeServerFrame(data: Uint8Array, maxBytes: number, version: ProtocolVersion = 3): DecodeResult<ServerFrame> {
  return decode<ServerFrame>(data, maxBytes, (command, qos, dup, r) => {
    switch (command) {
      case commands.connack: {
        r.byte('connack');
        const status = r.byte('connack status');
        if (r.done) return { kind: 'connack', status, userId: '', sessionId: '', time: 0 };
        const flags = version === 4 ? r.byte('connack flags') : 0b0111;
        const userId = flags & 1 ? r.string('user id') : '';
        const sessionId = flags & 2 ? r.string('session id') : '';
        const time = flags & 4 ? r.uint64('time') : 0;
        return { kind: 'connack', status, userId, sessionId, time };
      }
      case commands.publish: {
        const time = r.uint32('time') * 1000;
        const topic = r.string('topic');
        const targetId = r.string('target id');
        return { kind: 'publish', qos, dup, time, topic, targetId, messageId: r.uint16('message id'), payload: r.rest() };
      }
      case commands.puback: {
        const messageId = r.uint16('message id');
        const seconds = r.uint32('time');
        const status = r.uint16('status');
        const time = seconds * 1000 + r.uint16('milliseconds');
        return { kind: 'puback', messageId, time, status, messageUId: r.string('messageUId') };
      }
      case commands.queryAck: {
        const messageId = r.uint16('message id');
        const time = r.uint32('time') * 1000;
        return { kind: 'queryAck', qos, messageId, time, status: r.uint16('status'), payload: r.rest() };
      }
      case commands.pingResp:
        return { kind: 'pong' };
      case commands.disconnect:
        return readDisconnect(r);
      default:
        return `command ${command} is not one the server sends`;
    }
  });
}
