import type { Clock } from '../../model/clock.js';
import type { NewCallbackEvent } from '../../store/callback-events.js';
import type { HistoryStore } from '../../store/history.js';
import type { AppendItem, Inbox } from '../../store/inbox.js';
import { inboxLimits, type App } from '../apps.js';
import { encodeStamp, type SendStamp } from '../message-uid.js';
import { inboxRecord } from '../outgoing.js';
import type { LivePush } from './live-push.js';
import type { PlannedMessage } from './plan.js';

/** Clocks of nodes differ: an entry written by a retry's earlier attempt is looked for from this long before its sentTime. */
export const clockSkewMs = 60_000;

/** Each inbox copy's seq, by message and user (none when its appends were left to the relay). */
export type Seqs = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface Committed {
  seqs: Seqs;
  /** Where the users of the send's copies have sessions. */
  located: ReadonlyMap<string, readonly string[]>;
  /**
   * Given when the send owes push plans and its appends are made: releases its outbox entry
   * once the pushes are planned (until then a relay would plan them, should this node die).
   */
  pushesPlanned?: (() => void) | undefined;
}

/** What a send owes beyond its inbox entries, written at its commit point with them. */
export interface Owed {
  /** Callbacks to the app backend (message routing). */
  callbacks?: readonly NewCallbackEvent[] | undefined;
  /** The push planner's record of the pushes to plan (PushPlanner.owed). */
  pushPlans?: string | undefined;
}

/**
 * The one commit point of a send (docs/reliability.md "One commit point"):
 * - with history rows, with callbacks owed to the app backend, with pushes to plan, or
 *   with inbox copies for more users than one inbox call keeps atomic, one SQL statement
 *   writes the rows, the owed callbacks and the owed appends and push plans (the outbox);
 *   the appends follow, and the relay makes any that fail (and plans pushes never planned);
 * - otherwise the single, atomic inbox append is the commit.
 * Before the commit point nothing is written; once it is passed, everything will be.
 */
export class Committer {
  constructor(
    private readonly inbox: Inbox,
    private readonly history: HistoryStore,
    private readonly push: Pick<LivePush, 'locate'>,
    private readonly clock: Clock,
    private readonly report: { deferred(err: unknown, sendId: string): void; unlocated(err: unknown): void },
  ) {}

  /** `retry`: an earlier attempt with this stamp may have written some of it. */
  async commit(app: App, stamp: SendStamp, messages: readonly PlannedMessage[], retry: boolean, owed: Owed = {}): Promise<Committed> {
    const items = inboxItems(messages);
    const rows = messages.flatMap((m) => (m.history ? [m.history] : []));
    const users = [...new Set(messages.flatMap((m) => m.copies.flatMap((c) => c.users)))];
    const dedupeSince = retry ? stamp.sentTime - clockSkewMs : undefined;
    const distinct = new Set(items.map((i) => i.userId)).size;
    const { callbacks = [], pushPlans } = owed;

    if (rows.length === 0 && callbacks.length === 0 && pushPlans === undefined && distinct <= this.inbox.atomicUsers) {
      const [appended, located] = await this.appendAndLocate(app, items, users, dedupeSince);
      if (appended.status === 'rejected') throw appended.reason;
      return { seqs: bySend(items, appended.value), located };
    }

    const sendId = encodeStamp(stamp);
    const entry = items.length > 0 || pushPlans !== undefined ? { sendId, createdAt: this.clock.now(), appends: items, pushPlans } : undefined;
    await this.history.commit(app.appKey, rows, entry, callbacks);
    const [appended, located] = await this.appendAndLocate(app, items, users, dedupeSince);
    if (appended.status === 'rejected') {
      // Committed: the relay appends (and pushes, and plans) once the inbox store answers.
      this.report.deferred(appended.reason, sendId);
      return { seqs: new Map(), located: new Map() };
    }
    const release = () => this.history.outboxDone(app.appKey, sendId);
    const seqs = bySend(items, appended.value);
    if (pushPlans !== undefined) return { seqs, located, pushesPlanned: release };
    if (entry) release();
    return { seqs, located };
  }

  /**
   * Issued in one tick, the append and the presence read share one round trip, the read
   * running after the append: a device that registered before the append is either found
   * here or reads the entry in its catch-up. A failed read only costs the live push.
   */
  private async appendAndLocate(app: App, items: readonly AppendItem[], users: readonly string[], dedupeSince: number | undefined) {
    const appending = items.length > 0 ? this.append(app, items, dedupeSince) : Promise.resolve([]);
    const [appended, located] = await Promise.allSettled([appending, this.push.locate(app.appKey, users)]);
    if (located.status === 'rejected') this.report.unlocated(located.reason);
    return [appended, located.status === 'fulfilled' ? located.value : new Map<string, string[]>()] as const;
  }

  /** Appends owed entries; with `dedupeSince`, entries already there are found, not added. */
  async append(app: App, items: readonly AppendItem[], dedupeSince: number | undefined): Promise<number[]> {
    const appended = await this.inbox.append(app.appKey, items, this.clock.now(), inboxLimits(app), { dedupeSince });
    return appended.map((a) => a.seq);
  }
}

/** The inbox entries a send writes: one per user of each copy kept in the inbox. */
function inboxItems(messages: readonly PlannedMessage[]): AppendItem[] {
  const items: AppendItem[] = [];
  for (const { messageUId, copies } of messages) {
    for (const copy of copies) {
      if (!copy.toInbox || copy.users.length === 0) continue;
      const payload = inboxRecord.encode(copy.message);
      for (const userId of copy.users) items.push({ userId, payload, messageUId });
    }
  }
  return items;
}

export function bySend(items: readonly AppendItem[], seqs: readonly number[]): Seqs {
  const result = new Map<string, Map<string, number>>();
  items.forEach((item, i) => {
    let users = result.get(item.messageUId);
    if (!users) result.set(item.messageUId, (users = new Map<string, number>()));
    users.set(item.userId, seqs[i]!);
  });
  return result;
}
