import type { App } from '../apps.js';
import type { Seqs } from '../delivery/commit.js';
import type { MessageCommitted } from '../delivery/events.js';

/** A committed message as kept for its push planning: the event without the app, and its recipients' ids only. */
type StoredPlan = Omit<MessageCommitted, 'type' | 'app' | 'recipients' | 'pushesPlanned'> & { users: readonly string[] };

/** The committed-message events whose pushes are owed, as kept with the send's outbox entry. */
export function encodePushPlans(events: readonly MessageCommitted[]): string {
  const plans = events.map(({ type, app, recipients, pushesPlanned, ...event }): StoredPlan => ({ ...event, users: recipients.map((r) => r.userId) }));
  return JSON.stringify(plans);
}

/**
 * The events again, for a relay that found them unplanned: with the seqs its appends found
 * and the nodes where each recipient has sessions now.
 */
export function decodePushPlans(app: App, text: string, seqs: Seqs, nodesOf: (userId: string) => readonly string[]): MessageCommitted[] {
  const plans = JSON.parse(text) as StoredPlan[];
  return plans.map(({ users, ...event }) => ({
    ...event,
    type: 'message.committed',
    app,
    recipients: users.map((userId) => ({ userId, seq: seqs.get(event.message.messageUId)?.get(userId), nodes: nodesOf(userId) })),
  }));
}

/** Every user the plans name. */
export function usersOfPushPlans(text: string): string[] {
  return [...new Set((JSON.parse(text) as StoredPlan[]).flatMap((plan) => plan.users))];
}
