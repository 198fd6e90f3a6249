import { randomBytes } from 'node:crypto';
import { ParleyError } from '../errors.js';

/**
 * RongCloud-shaped message ids (SERVER-API.md §7): 16 base32hex digits (`0-9A-V`) in four
 * dash-separated groups, encoding the 80-bit big-endian value `(ms << 38) | rand38`.
 * Fixed width plus an alphabet whose ASCII order matches digit order means ids compare as
 * strings exactly as their timestamps do, and the send time can be read back from the id.
 */

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUV';
const randomBits = 38n;
const randomMask = (1n << randomBits) - 1n;
/** 80 bits minus the 38 random ones leaves 42 for the time: far past year 2100. */
const maxMs = 2 ** 42 - 1;
const uidPattern = /^[0-9A-V]{4}-[0-9A-V]{4}-[0-9A-V]{4}-[0-9A-V]{4}$/;

/**
 * A new id for a message stored at `nowMs`. `random` (tests) supplies the low 38 bits as-is.
 * Without it, ids from this process that share a millisecond count up from a random start
 * rather than drawing fresh bits each time: 38 random bits alone collide with a few percent
 * probability after 100k ids in one ms, while a random start makes clashes between nodes as
 * unlikely as two random draws.
 */
export function createMessageUId(nowMs: number, random?: () => bigint): string {
  checkTime(nowMs);
  const low = random ? random() & randomMask : nextSequence(nowMs, 1n);
  return encode((BigInt(nowMs) << randomBits) | low);
}

/**
 * What fixes the ids and time of one send: its `sentTime` and the first of the consecutive
 * low bits its messages use. Kept with an idempotency key, so that a retry of a send that
 * may have been written produces the very same ids (and writes nothing twice).
 */
export interface SendStamp {
  sentTime: number;
  /** Low 38 bits of the first id, as decimal text. */
  base: string;
}

/** A stamp for a send of up to `count` messages at `nowMs`: ids no other send of this process shares. */
export function newSendStamp(nowMs: number, count: number): SendStamp {
  checkTime(nowMs);
  return { sentTime: nowMs, base: nextSequence(nowMs, BigInt(Math.max(1, count))).toString() };
}

/** The i-th message id of a send. */
export function stampedMessageUId(stamp: SendStamp, index: number): string {
  const low = (BigInt(stamp.base) + BigInt(index)) & randomMask;
  return encode((BigInt(stamp.sentTime) << randomBits) | low);
}

export function encodeStamp(stamp: SendStamp): string {
  return `${stamp.sentTime}:${stamp.base}`;
}

export function decodeStamp(text: string): SendStamp {
  const [sentTime, base] = text.split(':');
  return { sentTime: Number(sentTime), base: base ?? '0' };
}

function checkTime(nowMs: number): void {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > maxMs) {
    throw new RangeError(`message id: time ${nowMs} is not an epoch ms in range`);
  }
}

/** The epoch ms a well-formed id was created at; 1002 for anything else (ids come from clients). */
export function messageUIdTime(uid: string): number {
  if (!isMessageUId(uid)) throw new ParleyError('badParameter', `messageUId: "${uid}" is not a message id`);
  return Number(decode(uid) >> randomBits);
}

export function isMessageUId(s: string): boolean {
  return uidPattern.test(s);
}

let lastMs = -1;
let lastLow = 0n;

/** Reserves `count` consecutive low values in `nowMs`; returns the first. */
function nextSequence(nowMs: number, count: bigint): bigint {
  if (nowMs === lastMs) {
    // The start is drawn below 2^37, so 2^37 ids fit in one ms before this could wrap.
    const first = (lastLow + 1n) & randomMask;
    lastLow = (lastLow + count) & randomMask;
    return first;
  }
  lastMs = nowMs;
  lastLow = randomStart() + count - 1n;
  return lastLow - count + 1n;
}

/** Random starts drawn 64 at a time: one call to the system's randomness per 64 milliseconds with sends. */
let randomPool = Buffer.alloc(0);
let poolAt = 0;
function randomStart(): bigint {
  if (poolAt + 8 > randomPool.length) {
    randomPool = randomBytes(8 * 64);
    poolAt = 0;
  }
  const value = randomPool.readBigUInt64BE(poolAt) & (randomMask >> 1n);
  poolAt += 8;
  return value;
}

function encode(value: bigint): string {
  let digits = '';
  for (let i = 0; i < 16; i++) {
    digits = alphabet[Number(value & 31n)]! + digits;
    value >>= 5n;
  }
  return `${digits.slice(0, 4)}-${digits.slice(4, 8)}-${digits.slice(8, 12)}-${digits.slice(12)}`;
}

function decode(uid: string): bigint {
  let value = 0n;
  for (const ch of uid) {
    if (ch !== '-') value = (value << 5n) | BigInt(alphabet.indexOf(ch));
  }
  return value;
}
