import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/core/outgoing.js';
import { LiveEntries } from '../../src/gateway/rongcloud/live-entries.js';

/** Messages stand for themselves here: only their seqs and order matter. */
const message = (seq: number) => ({ seq }) as unknown as OutgoingMessage;
const held = (...seqs: number[]) => {
  const entries = new LiveEntries(3);
  for (const seq of seqs) entries.add(message(seq), seq);
  return entries;
};
const seqsOf = (entries: LiveEntries, afterSeq: number) => entries.answer(afterSeq)?.messages.map((m) => m.seq);

describe('the live entries of a RongCloud session (a pull answered without reading the inbox)', () => {
  it('answer a pull whole: every entry right after the syncTime up to the newest, finished', () => {
    expect(held(11, 12, 13).answer(10)).toEqual({ messages: [11, 12, 13].map((seq) => ({ message: message(seq), seq })), syncedUpTo: 13, more: false });
    // Entries the SDK already holds are not answered again.
    expect(seqsOf(held(11, 12, 13), 11)).toEqual([12, 13]);
  });

  it('leave to the inbox a pull they cannot answer whole: nothing held, the first entry missing, a hole, out of order', () => {
    expect(held().answer(10)).toBeUndefined();
    expect(held(11, 12).answer(12)).toBeUndefined();
    expect(held(12, 13).answer(10)).toBeUndefined(); // 11 was not pushed live (sent from this device, say)
    expect(held(11, 13).answer(10)).toBeUndefined();
    expect(held(12, 11).answer(10)).toBeUndefined(); // pushed from two nodes, arrived out of order
  });

  it('keep at most their limit, so that a device far behind reads the inbox', () => {
    expect(held(11, 12, 13, 14).answer(10)).toBeUndefined();
    expect(seqsOf(held(11, 12, 13, 14), 11)).toEqual([12, 13, 14]);
  });

  it('forget what a pull answered, from the inbox or from them', () => {
    const entries = held(11, 12, 13);
    entries.pulled(12);
    expect(seqsOf(entries, 12)).toEqual([13]);
    entries.pulled(13);
    expect(entries.answer(13)).toBeUndefined();
  });
});
