import type { App } from '../apps.js';
import type { Committed } from './commit.js';
import type { CoreEvents, MessageCommitted, Recipient } from './events.js';
import type { LivePush, UserDelivery } from './live-push.js';
import type { PlannedMessage } from './plan.js';
import type { Send } from './send.js';

/** The push planner as publishing sees it. */
export interface PushPlans {
  /** Whether a send of the app may owe pushes at all (an app without push or tokens does not: nothing is built for it). */
  mayOwe(app: App): boolean;
  /** What of these committed messages' pushes is to plan, as stored with the commit (none: undefined). */
  owed(events: readonly MessageCommitted[]): string | undefined;
}

const notCommittedYet: Committed = { seqs: new Map(), located: new Map() };

/** What follows a commit: the live pushes, then the committed-message events. */
export class Publisher {
  constructor(
    private readonly push: LivePush,
    private readonly events: CoreEvents,
    private readonly pushPlans: PushPlans,
  ) {}

  /** The push plans a send owes, to be committed with it (`Owed.pushPlans`). */
  owedPushPlans(send: Send, messages: readonly PlannedMessage[]): string | undefined {
    if (!this.pushPlans.mayOwe(send.app)) return undefined;
    return this.pushPlans.owed(committedEvents(send, messages, notCommittedYet));
  }

  async publish(send: Send, messages: readonly PlannedMessage[], committed: Committed): Promise<void> {
    await this.pushLive(send.app, messages, committed);
    this.announce(send, messages, committed);
  }

  /** Live pushes, best effort: the inbox already holds what must not be missed. */
  async pushLive(app: App, messages: readonly PlannedMessage[], committed: Committed): Promise<void> {
    const deliveries: UserDelivery[] = [];
    for (const { messageUId, copies } of messages) {
      const seqs = committed.seqs.get(messageUId);
      for (const copy of copies) {
        // An inbox copy without a seq was left to the relay, which pushes it once appended.
        const users = copy.toInbox ? copy.users.filter((userId) => seqs?.has(userId)) : copy.users;
        if (users.length > 0) deliveries.push({ message: copy.message, users: users.map((userId) => [userId, seqs?.get(userId)] as const), skipSessionId: copy.skipSessionId });
      }
    }
    const rooms = messages.flatMap((m) => (m.room ? [m.room] : []));
    await Promise.all([
      deliveries.length > 0 && this.push.toUsers(app.appKey, deliveries, committed.located),
      rooms.length > 0 && this.push.toRooms(app.appKey, rooms),
    ]);
  }

  private announce(send: Send, messages: readonly PlannedMessage[], committed: Committed): void {
    const events = committedEvents(send, messages, committed);
    const planned = committed.pushesPlanned && countdown(events.length, committed.pushesPlanned);
    for (const event of events) this.events.emit(planned ? { ...event, pushesPlanned: planned } : event);
  }
}

/** One committed-message event per message of the send. */
function committedEvents(send: Send, messages: readonly PlannedMessage[], committed: Committed): MessageCommitted[] {
  const events: MessageCommitted[] = [];
  for (const planned of messages) {
    const seqs = committed.seqs.get(planned.messageUId);
    const recipients: Recipient[] = planned.copies.flatMap((copy) =>
      copy.users.map((userId) => ({ userId, seq: seqs?.get(userId), nodes: committed.located.get(userId) ?? [] })),
    );
    const first = planned.copies[0]?.message ?? planned.room?.message;
    if (!first) continue;
    events.push({
      type: 'message.committed',
      app: send.app,
      kind: send.kind,
      origin: send.origin,
      fromUserId: send.fromUserId,
      message: first.view,
      targetId: planned.targetId,
      flags: planned.prepared.flags,
      recipients,
      toUserIds: 'toUserIds' in send && send.kind !== 'private' && send.kind !== 'system' ? send.toUserIds : undefined,
      roomSessions: planned.room?.sessions.length,
      historyKept: planned.history !== undefined,
      notice: send.notice ?? false,
      push: send.push,
    });
  }
  return events;
}

/** Calls `done` on the `count`th call. */
function countdown(count: number, done: () => void): () => void {
  let left = count;
  if (left === 0) done();
  return () => {
    if (--left === 0) done();
  };
}
