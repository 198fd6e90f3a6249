/**
 * Per-user inbox: the ordered, durable queue of deliverable messages (docs/architecture.md
 * "Delivery rules"). Implementations: inbox.memory.ts (single node only) and
 * inbox.redis.ts (one Redis Stream per user plus one hash per user, Lua scripts).
 *
 * Contract:
 * - `seq` rises by exactly 1 per appended entry of a user, never goes backwards and
 *   never repeats for that user, even across epochs: a new inbox (first use, or after
 *   the store lost the user's data) starts its seq at the creation time in ms
 *   (`baseSeq`), so its first entry is `baseSeq + 1`, and gets a fresh random `epoch`.
 * - `append` is atomic per user: next seq + append + trim happen together, so a reader
 *   never sees a hole. Items for many users in one call cost one round trip; a call for at
 *   most `atomicUsers` distinct users is atomic as a whole (every entry or none).
 * - With `dedupeSince`, an item whose message (`messageUId`) the user's inbox already holds
 *   among entries appended at or after that time is not appended again: the entry's seq is
 *   returned. Retries and recovery use it after a failure that may have left the entry.
 *   Without it, the Redis inbox looks among the entries appended at the call's own `now`:
 *   its client resends a call whose reply a cut connection lost, and the call run again
 *   finds what it appended. The in-process inbox, which nothing resends, looks at none.
 * - Trimming: entries appended more than `retentionMs` ago are dropped (on append and
 *   on read); beyond `cap` entries the oldest are dropped, and the highest seq dropped
 *   by the cap and its append time are remembered (`capTrimmedSeq`, `capTrimmedAt`).
 * - Every write refreshes the user's keys: the entries expire after `retentionMs` of no
 *   writes, the head (seq, epoch, cursors) `headGraceMs` later, so a device back after a
 *   quiet spell learns of a retention gap rather than a new epoch.
 * - `ack` raises the device's cursor and the user's `ackedSeq` (max over devices);
 *   neither moves backwards; a seq above the newest is clamped to the newest.
 */
/** How much longer than its entries a user's head is kept. */
export const headGraceMs = 30 * 86_400_000;

export interface InboxLimits {
  retentionMs: number;
  cap: number;
}

export interface InboxEntry {
  seq: number;
  /** Epoch ms the entry was appended. */
  at: number;
  /** Opaque to the store (the delivery core's serialized message). */
  payload: string;
}

export interface InboxHead {
  epoch: string;
  /** Entries of this epoch have seq > baseSeq. */
  baseSeq: number;
  /** Newest appended seq (baseSeq when none). */
  seq: number;
  /** Highest seq acknowledged by any device of the user (baseSeq when none). */
  ackedSeq: number;
  /** Highest seq dropped by the cap, and when it was appended (0 and 0 when none). */
  capTrimmedSeq: number;
  capTrimmedAt: number;
}

export interface InboxPage extends InboxHead {
  /** Entries with seq > afterSeq, ascending, at most `limit`. */
  entries: InboxEntry[];
  /** Lowest seq still stored (seq + 1 when the inbox is empty). */
  oldestSeq: number;
}

export interface AppendItem {
  userId: string;
  payload: string;
  /** The message the entry is a copy of (at most one entry per message per user). */
  messageUId: string;
}

export interface AppendOptions {
  /** Epoch ms: skip items already appended since then (see the contract above). */
  dedupeSince?: number | undefined;
}

export interface Inbox {
  /** Distinct users an `append` keeps atomic as a whole. */
  readonly atomicUsers: number;
  /** Appends each item to its user's inbox; returns each item's seq and epoch, in order. */
  append(appKey: string, items: readonly AppendItem[], now: number, limits: InboxLimits, options?: AppendOptions): Promise<Array<{ seq: number; epoch: string }>>;
  /** Reads after `afterSeq` (creating the inbox if absent, trimming expired entries first). */
  read(appKey: string, userId: string, afterSeq: number, limit: number, now: number, limits: InboxLimits): Promise<InboxPage>;
  /** The user's head (creating the inbox if absent). */
  head(appKey: string, userId: string, now: number): Promise<InboxHead>;
  ack(appKey: string, userId: string, deviceId: string, seq: number): Promise<void>;
  /** The device's acked seq (0 when it never acked in this epoch). */
  cursor(appKey: string, userId: string, deviceId: string): Promise<number>;
  /**
   * Deletes the user's inbox: entries, head and cursors (an account deleted). The next
   * use starts a new epoch, as after a loss of data.
   */
  drop(appKey: string, userId: string): Promise<void>;
}

/** Guards shared by the implementations: a bad clock or limit is a bug, not input. */
export function checkInboxNow(now: number): void {
  if (!Number.isSafeInteger(now) || now < 0) throw new RangeError(`inbox: now must be epoch ms, got ${now}`);
}

export function checkInboxArgs(now: number, limits: InboxLimits): void {
  checkInboxNow(now);
  if (!Number.isSafeInteger(limits.retentionMs) || limits.retentionMs <= 0 || !Number.isSafeInteger(limits.cap) || limits.cap < 0) {
    throw new RangeError(`inbox: bad limits ${JSON.stringify(limits)}`);
  }
}
