import { randomBytes } from 'node:crypto';
import { checkInboxArgs, checkInboxNow, headGraceMs, type Inbox, type InboxEntry, type InboxHead, type InboxLimits, type InboxPage } from './inbox.js';

/** One user's inbox: entries hold contiguous seqs, the live ones from index `first` on. */
interface UserInbox extends InboxHead {
  entries: Array<InboxEntry & { messageUId: string }>;
  first: number;
  cursors: Map<string, number>;
  /** Logical expiry (caller's clock): gone once `now` passes it; Infinity until a write sets it. */
  expiresAt: number;
}

/**
 * In-process inbox with the contract of inbox.ts. Single node only: other processes
 * cannot see it, and a restart loses it (the next use starts a new epoch).
 *
 * Expiry follows the `now` the caller passes: an inbox whose last append (or creating
 * read) is more than `retentionMs + headGraceMs` old counts as lost and is recreated on next use; expired
 * inboxes are also swept now and then while appending, so idle users do not pile up.
 * `head` alone creates an inbox without expiry (it carries no limits); `ack` does not
 * extend it (it carries no time).
 */
export function createMemoryInbox(): Inbox {
  const inboxes = new Map<string, UserInbox>();
  const keyOf = (appKey: string, userId: string) => `${appKey}\u0000${userId}`;
  let writesSinceSweep = 0;

  function open(key: string, now: number): { inbox: UserInbox; created: boolean } {
    const existing = inboxes.get(key);
    if (existing && now <= existing.expiresAt) return { inbox: existing, created: false };
    // Never reuse a seq: a recreated inbox starts above the one it replaces.
    const baseSeq = Math.max(now, existing?.seq ?? 0);
    const inbox: UserInbox = {
      epoch: randomBytes(8).toString('base64url'),
      baseSeq,
      seq: baseSeq,
      ackedSeq: baseSeq,
      capTrimmedSeq: 0,
      capTrimmedAt: 0,
      entries: [],
      first: 0,
      cursors: new Map(),
      expiresAt: Infinity,
    };
    inboxes.set(key, inbox);
    return { inbox, created: true };
  }

  /** Drops entries older than the retention window (from the front), then those beyond the cap. */
  function trim(inbox: UserInbox, now: number, limits: InboxLimits): void {
    const cutoff = now - limits.retentionMs;
    let first = inbox.first;
    while (first < inbox.entries.length && inbox.entries[first]!.at < cutoff) first++;
    const live = inbox.entries.length - first;
    if (live > limits.cap) {
      first += live - limits.cap;
      const dropped = inbox.entries[first - 1]!;
      inbox.capTrimmedSeq = dropped.seq;
      inbox.capTrimmedAt = dropped.at;
    }
    inbox.first = first;
    if (first > 64 && first * 2 > inbox.entries.length) {
      inbox.entries = inbox.entries.slice(first);
      inbox.first = 0;
    }
  }

  function sweep(now: number): void {
    writesSinceSweep = 0;
    for (const [key, inbox] of inboxes) if (now > inbox.expiresAt) inboxes.delete(key);
  }

  const headOf = (inbox: UserInbox): InboxHead => ({
    epoch: inbox.epoch,
    baseSeq: inbox.baseSeq,
    seq: inbox.seq,
    ackedSeq: inbox.ackedSeq,
    capTrimmedSeq: inbox.capTrimmedSeq,
    capTrimmedAt: inbox.capTrimmedAt,
  });

  /** The seq of the user's entry of `messageUId` appended since `since`, scanning back from the newest. */
  function existing(inbox: UserInbox, messageUId: string, since: number): number | undefined {
    for (let i = inbox.entries.length - 1; i >= inbox.first && inbox.entries[i]!.at >= since; i--) {
      if (inbox.entries[i]!.messageUId === messageUId) return inbox.entries[i]!.seq;
    }
    return undefined;
  }

  return {
    // Appends run synchronously in this process: any call is all or nothing.
    atomicUsers: Number.POSITIVE_INFINITY,

    async append(appKey, items, now, limits, options = {}) {
      checkInboxArgs(now, limits);
      const results: Array<{ seq: number; epoch: string }> = [];
      const touched = new Set<UserInbox>();
      for (const item of items) {
        const { inbox } = open(keyOf(appKey, item.userId), now);
        const seq = options.dedupeSince === undefined ? undefined : existing(inbox, item.messageUId, options.dedupeSince);
        if (seq !== undefined) {
          results.push({ seq, epoch: inbox.epoch });
          continue;
        }
        inbox.seq += 1;
        inbox.entries.push({ seq: inbox.seq, at: now, payload: item.payload, messageUId: item.messageUId });
        touched.add(inbox);
        results.push({ seq: inbox.seq, epoch: inbox.epoch });
      }
      for (const inbox of touched) {
        trim(inbox, now, limits);
        inbox.expiresAt = now + limits.retentionMs + headGraceMs;
      }
      writesSinceSweep += touched.size;
      if (writesSinceSweep >= Math.max(1000, inboxes.size)) sweep(now);
      return results;
    },

    async read(appKey, userId, afterSeq, limit, now, limits): Promise<InboxPage> {
      checkInboxArgs(now, limits);
      const { inbox } = open(keyOf(appKey, userId), now);
      trim(inbox, now, limits);
      if (inbox.expiresAt === Infinity) inbox.expiresAt = now + limits.retentionMs + headGraceMs;
      const oldest = inbox.entries[inbox.first];
      const oldestSeq = oldest ? oldest.seq : inbox.seq + 1;
      const start = inbox.first + Math.max(0, Math.floor(afterSeq) + 1 - oldestSeq);
      const entries = limit > 0 ? inbox.entries.slice(start, start + limit).map(({ seq, at, payload }) => ({ seq, at, payload })) : [];
      return { ...headOf(inbox), entries, oldestSeq };
    },

    async head(appKey, userId, now) {
      checkInboxNow(now);
      return headOf(open(keyOf(appKey, userId), now).inbox);
    },

    async ack(appKey, userId, deviceId, seq) {
      if (!Number.isFinite(seq)) throw new RangeError(`inbox: bad ack seq ${seq}`);
      const inbox = inboxes.get(keyOf(appKey, userId));
      if (!inbox) return;
      const acked = Math.min(Math.floor(seq), inbox.seq);
      if (acked > (inbox.cursors.get(deviceId) ?? 0)) inbox.cursors.set(deviceId, acked);
      if (acked > inbox.ackedSeq) inbox.ackedSeq = acked;
    },

    async cursor(appKey, userId, deviceId) {
      return inboxes.get(keyOf(appKey, userId))?.cursors.get(deviceId) ?? 0;
    },

    async drop(appKey, userId) {
      inboxes.delete(keyOf(appKey, userId));
    },
  };
}
