import type { App } from '../apps.js';
import type { Committed } from './commit.js';
import type { CoreEvents, Recipient } from './events.js';
import type { LivePush, UserDelivery } from './live-push.js';
import type { PlannedMessage } from './plan.js';
import type { Send } from './send.js';

/** What follows a commit: the live pushes, then the committed-message events. */
export class Publisher {
  constructor(
    private readonly push: LivePush,
    private readonly events: CoreEvents,
  ) {}

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
    for (const planned of messages) {
      const seqs = committed.seqs.get(planned.messageUId);
      const recipients: Recipient[] = planned.copies.flatMap((copy) =>
        copy.users.map((userId) => ({ userId, seq: seqs?.get(userId), nodes: committed.located.get(userId) ?? [] })),
      );
      const first = planned.copies[0]?.message ?? planned.room?.message;
      if (!first) continue;
      this.events.emit({
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
  }

}
