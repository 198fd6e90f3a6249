import type { Inbox, InboxHead } from '../store/inbox.js';
import { inboxLimits, type App } from './apps.js';
import { compensationWindowStart } from './compensation-window.js';
import { inboxRecord, type OutgoingMessage } from './outgoing.js';

export interface Gap {
  fromSeq: number;
  toSeq: number;
  reason: 'retention' | 'cap' | 'epoch';
}

export interface CatchUpOutcome {
  /** The user's inbox head when catch-up started (connect result `seq`/`epoch`). */
  head: InboxHead;
  /** Every seq up to here was sent or is not owed to the device (at least head.seq). */
  settledUpTo: number;
  gap?: Gap;
}

const pageSize = 500;

/**
 * Sends a connecting device every inbox entry it is owed, in seq order, page by page
 * (ARCHITECTURE.md "Delivery rules"):
 * - without multiDeviceSync, entries no device of the user has acknowledged (consumed once);
 * - with it, entries after the device's `lastSeq` that are inside the compensation
 *   window or were never acknowledged by any device;
 * - entries owed but no longer stored are reported as one gap, never skipped silently.
 */
export async function catchUp(
  inbox: Inbox,
  app: App,
  userId: string,
  device: { lastSeq: number; epoch?: string | undefined },
  now: number,
  out: { onHead(head: InboxHead): void; emit(entries: Array<{ message: OutgoingMessage; seq: number }>): void | Promise<void> },
): Promise<CatchUpOutcome> {
  const limits = inboxLimits(app);
  const { multiDeviceSync, offlineCompensationDays, timezone } = app.features;
  const head = await inbox.head(app.appKey, userId, now);
  out.onHead(head);

  let from = device.lastSeq;
  let gap: Gap | undefined;
  // Every seq of this epoch is above baseSeq (and at most head.seq): a lastSeq outside
  // that range belongs to another epoch even when the device did not name its epoch.
  const otherEpoch =
    (device.epoch !== undefined && device.epoch !== head.epoch) ||
    device.lastSeq > head.seq ||
    (device.lastSeq > 0 && device.lastSeq < head.baseSeq);
  if (otherEpoch && device.lastSeq > 0) {
    gap = { fromSeq: Math.min(device.lastSeq + 1, head.baseSeq), toSeq: head.baseSeq, reason: 'epoch' };
  }
  if (otherEpoch || from < head.baseSeq) from = head.baseSeq;

  const windowStart = compensationWindowStart(now, offlineCompensationDays, timezone);
  const readFrom = multiDeviceSync ? from : Math.max(from, head.ackedSeq);
  const owed = (seq: number, at: number) => !multiDeviceSync || seq > head.ackedSeq || at >= windowStart;

  let afterSeq = readFrom;
  for (let first = true; ; first = false) {
    const page = await inbox.read(app.appKey, userId, afterSeq, pageSize, now, limits);
    if (first && !gap) gap = trimGap(page, readFrom, multiDeviceSync, windowStart);
    const batch = page.entries
      .filter((entry) => owed(entry.seq, entry.at))
      .map((entry) => ({ message: inboxRecord.decode(entry.payload), seq: entry.seq }));
    if (batch.length > 0) await out.emit(batch);
    if (page.entries.length > 0) afterSeq = page.entries[page.entries.length - 1]!.seq;
    if (page.entries.length < pageSize) break;
  }
  return { head, settledUpTo: Math.max(afterSeq, head.seq), ...(gap && { gap }) };
}

/** Owed entries between `readFrom` and the oldest one still stored, if any. */
function trimGap(
  page: { oldestSeq: number; ackedSeq: number; capTrimmedSeq: number; capTrimmedAt: number },
  readFrom: number,
  multiDeviceSync: boolean,
  windowStart: number,
): Gap | undefined {
  const lastMissing = page.oldestSeq - 1;
  if (lastMissing <= readFrom) return undefined;
  // Consumed once: everything after readFrom was owed. Multi-device: the never-acked
  // part, plus cap-trimmed entries that were inside the window.
  let firstMissing = multiDeviceSync ? Math.max(readFrom, page.ackedSeq) + 1 : readFrom + 1;
  if (multiDeviceSync && page.capTrimmedAt >= windowStart && page.capTrimmedSeq > readFrom) firstMissing = readFrom + 1;
  if (firstMissing > lastMissing) return undefined;
  const reason = page.capTrimmedSeq >= firstMissing ? 'cap' : 'retention';
  return { fromSeq: firstMissing, toSeq: lastMissing, reason };
}
