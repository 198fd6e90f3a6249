import { describe, expect, it } from 'vitest';
import { createMessageUId, isMessageUId, messageUIdTime } from '../../src/core/message-uid.js';
import { ParleyError } from '../../src/errors.js';

const shape = /^[0-9A-V]{4}-[0-9A-V]{4}-[0-9A-V]{4}-[0-9A-V]{4}$/;
const now = 1_743_499_753_581;

describe('createMessageUId', () => {
  it('has the RongCloud shape', () => {
    for (const ms of [0, 1, now, 2 ** 42 - 1]) {
      const uid = createMessageUId(ms);
      expect(uid).toMatch(shape);
      expect(uid).toHaveLength(19);
      expect(isMessageUId(uid)).toBe(true);
    }
  });

  it('encodes (ms << 38) | rand38 big-endian', () => {
    expect(createMessageUId(0, () => 0n)).toBe('0000-0000-0000-0000');
    expect(createMessageUId(0, () => 31n)).toBe('0000-0000-0000-000V');
    expect(createMessageUId(2 ** 42 - 1, () => (1n << 38n) - 1n)).toBe('VVVV-VVVV-VVVV-VVVV');
    // Only the low 38 bits of the supplied randomness are used.
    expect(createMessageUId(0, () => 1n << 38n)).toBe('0000-0000-0000-0000');
  });

  it('reproduces the documented samples from their time and low bits', () => {
    expect(createMessageUId(1_743_499_753_581, () => 0x26902c125cn)).toBe('CLU2-NFGR-CQ82-O4IS');
    expect(createMessageUId(1_674_896_231_262, () => 0x1b68570421n)).toBe('C5UU-C4MN-JDK5-E111');
  });

  it('round-trips the time', () => {
    for (const ms of [0, 1, 1_507_778_882_124, now, Date.now(), 2 ** 42 - 1]) {
      expect(messageUIdTime(createMessageUId(ms))).toBe(ms);
    }
  });

  it('is unique over 100k ids in the same millisecond', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(createMessageUId(now));
    expect(seen.size).toBe(100_000);
  });

  it('keeps ids from one process in creation order within a millisecond', () => {
    const ids = Array.from({ length: 1_000 }, () => createMessageUId(now + 7));
    expect([...ids].sort()).toEqual(ids);
  });

  it('sorts lexicographically by time across milliseconds', () => {
    const times = [0, 1, 31, 32, 1_000, 1_507_778_882_124, now, now + 1, now + 1_000, 2 ** 42 - 1];
    // Worst case for order: an earlier ms with the largest low bits against a later one with none.
    const early = times.map((ms) => createMessageUId(ms, () => (1n << 38n) - 1n));
    const late = times.map((ms) => createMessageUId(ms, () => 0n));
    for (let i = 1; i < times.length; i++) {
      expect(early[i - 1]! < late[i]!).toBe(true);
    }
    const mixed = [...times].reverse().map((ms) => createMessageUId(ms));
    expect([...mixed].sort()).toEqual([...mixed].reverse());
  });

  it('refuses a time outside 0 .. 2^42 - 1', () => {
    for (const ms of [-1, 2 ** 42, 1.5, Number.NaN]) {
      expect(() => createMessageUId(ms)).toThrow(RangeError);
    }
  });
});

describe('messageUIdTime', () => {
  it('decodes the documented samples', () => {
    expect(messageUIdTime('CLU2-NFGR-CQ82-O4IS')).toBe(1_743_499_753_581);
    expect(messageUIdTime('C5UU-C4MN-JDK5-E111')).toBe(1_674_896_231_262);
  });

  it('refuses a malformed id with 1002', () => {
    for (const bad of ['', 'CLU2NFGRCQ82O4IS', 'clu2-nfgr-cq82-o4is', 'CLU2-NFGR-CQ82-O4IW', 'CLU2-NFGR-CQ82-O4I']) {
      try {
        messageUIdTime(bad);
        expect.unreachable(`accepted ${bad}`);
      } catch (err) {
        expect(err).toBeInstanceOf(ParleyError);
        expect((err as ParleyError).code).toBe(1002);
      }
    }
  });
});

describe('isMessageUId', () => {
  it('accepts RongCloud ids and nothing else', () => {
    expect(isMessageUId('BJN3-LSG0-7MUC-OR7A')).toBe(true);
    expect(isMessageUId('5FGT-7VA9-G4DD-4V5P')).toBe(true);
    expect(isMessageUId('BJN3-LSG0-7MUC-OR7A ')).toBe(false);
    expect(isMessageUId('BJN3-LSG0-7MUC')).toBe(false);
    expect(isMessageUId('BJN3_LSG0_7MUC_OR7A')).toBe(false);
    expect(isMessageUId('WJN3-LSG0-7MUC-OR7A')).toBe(false);
  });
});
