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
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > maxMs) {
    throw new RangeError(`createMessageUId: time ${nowMs} is not an epoch ms in range`);
  }
  const low = random ? random() & randomMask : nextSequence(nowMs);
  return encode((BigInt(nowMs) << randomBits) | low);
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

function nextSequence(nowMs: number): bigint {
  if (nowMs === lastMs) {
    // The start is drawn below 2^37, so 2^37 ids fit in one ms before this could wrap.
    lastLow = (lastLow + 1n) & randomMask;
  } else {
    lastMs = nowMs;
    lastLow = randomBytes(8).readBigUInt64BE() & (randomMask >> 1n);
  }
  return lastLow;
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
