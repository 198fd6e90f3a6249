import type { Presence } from '../../store/presence.js';
import type { NewPushJob, PushJobStore } from '../../store/push-jobs.js';
import type { PushTarget } from '../../store/push-tokens.js';
import type { Clock } from '../../model/clock.js';
import type { App } from '../apps.js';
import type { CoreEvent, MessageCommitted } from '../delivery/events.js';
import type { Seqs } from '../delivery/commit.js';
import { bodyOf, notificationOf } from './notification.js';
import { decodePushPlans, encodePushPlans, usersOfPushPlans } from './plans.js';
import { inQuietHours, levelAllows, mentionsOf, type Mentions } from './rules.js';
import type { PushTokens } from './tokens.js';

/** Kinds of sends that are pushed: not chatrooms, nor what goes only to devices online now. */
const pushedKinds = new Set(['private', 'system', 'group', 'ultraGroup', 'everyone']);

export interface PushPlannerDeps {
  tokens: Pick<PushTokens, 'mayHaveTokens' | 'targets'>;
  presence: Pick<Presence, 'listMany'>;
  jobs: Pick<PushJobStore, 'add'>;
  clock: Clock;
  /** New jobs are waiting. */
  added(): void;
  onError: (err: unknown) => void;
}

/**
 * Decides who is pushed a committed message (docs/push.md "When to push") and writes the
 * owed pushes durably for the worker. It hangs off the core's committed-message events
 * and does its work after the send was answered: the send pays for none of it, and a
 * message in an app without any token costs one set lookup.
 */
export class PushPlanner {
  constructor(private readonly deps: PushPlannerDeps) {}

  readonly listener = (event: CoreEvent): void => {
    if (event.type !== 'message.committed') return;
    // Once planned, the send's outbox entry goes; a failed plan leaves it to a relay.
    this.planned(event).then(() => event.pushesPlanned?.(), this.deps.onError);
  };

  /**
   * What of a send's pushes must survive this node (docs/push.md "Durability"): the
   * committed-message events with pushes to plan, kept with the commit until planned.
   */
  owed(events: readonly MessageCommitted[]): string | undefined {
    const wanted = events.filter((event) => this.wanted(event));
    return wanted.length > 0 ? encodePushPlans(wanted) : undefined;
  }

  /** Plans what a relay found unplanned in an outbox entry (pushes already owed are not added twice). */
  async replan(app: App, plans: string, seqs: Seqs): Promise<void> {
    const sessions = await this.deps.presence.listMany(app.appKey, usersOfPushPlans(plans));
    const nodesOf = (userId: string) => (sessions.get(userId) ?? []).map((s) => s.nodeId);
    for (const event of decodePushPlans(app, plans, seqs, nodesOf)) await this.planned(event);
  }

  private async planned(event: MessageCommitted): Promise<void> {
    if (this.wanted(event)) await this.plan(event);
  }

  /** An app that has push and devices with tokens (known in memory): other apps' sends skip planning entirely. */
  mayOwe(app: App): boolean {
    return app.push !== undefined && this.deps.tokens.mayHaveTokens(app.appKey);
  }

  private wanted(event: MessageCommitted): boolean {
    const { app, message, push } = event;
    if (!app.push || !this.mayOwe(app)) return false;
    if (event.flags.status || push?.disablePush || !pushedKinds.has(event.kind)) return false;
    return bodyOf(message.objectName, message.content, message.pushContent, app.push.defaults) !== undefined;
  }

  private async plan(event: MessageCommitted): Promise<void> {
    const { app, message } = event;
    // The sender's own devices (an echo) are never pushed.
    const recipients = event.recipients.filter((r) => r.userId !== event.fromUserId);
    if (recipients.length === 0) return;
    const { devices: targets, groupName } = await this.deps.tokens.targets(app, recipients.map((r) => r.userId), message);
    if (targets.length === 0) return;
    const notification = notificationOf(event, groupName, app.push?.defaults);
    if (!notification) return;

    const connected = await this.connectedDevices(app, event, targets);
    const mentions = mentionsOf(message.content);
    const now = this.deps.clock.now();
    const seqs = new Map(event.recipients.map((r) => [r.userId, r.seq]));
    const delay = app.features.pushAfterUnackedMs;
    const text = JSON.stringify(notification);
    const jobs: NewPushJob[] = [];
    for (const target of targets) {
      if (!allowed(target, mentions, now, app.features.timezone)) continue;
      const job = { appKey: app.appKey, userId: target.userId, deviceId: target.deviceId, messageUId: message.messageUId, provider: target.provider, token: target.token, notification: text };
      if (!connected.has(deviceKey(target.userId, target.deviceId))) {
        jobs.push(job);
        continue;
      }
      // A connected device that reads nothing (an app in the background) is pushed what it has not acked in time.
      const seq = seqs.get(target.userId);
      if (delay > 0 && seq !== undefined) jobs.push({ ...job, dueAt: now + delay, unackedSeq: seq });
    }
    if (jobs.length === 0) return;
    await this.deps.jobs.add(jobs, now);
    this.deps.added();
  }

  /** The devices connected now among those with tokens: read only for users the send found online. */
  private async connectedDevices(app: App, event: MessageCommitted, targets: readonly PushTarget[]): Promise<Set<string>> {
    const withToken = new Set(targets.map((t) => t.userId));
    const online = event.recipients.filter((r) => r.nodes.length > 0 && withToken.has(r.userId)).map((r) => r.userId);
    if (online.length === 0) return new Set();
    const sessions = await this.deps.presence.listMany(app.appKey, online);
    return new Set([...sessions.values()].flat().map((s) => deviceKey(s.userId, s.deviceId)));
  }
}

const deviceKey = (userId: string, deviceId: string) => `${userId}\u0000${deviceId}`;

/** The user's mute level for the conversation, and its quiet hours, let the message through. */
function allowed(target: PushTarget, mentions: Mentions, now: number, timeZone: string): boolean {
  if (!levelAllows(target.unpushLevel, mentions, target.userId)) return false;
  const quiet = target.quietHours;
  return !quiet || !inQuietHours(quiet, now, timeZone) || levelAllows(quiet.level, mentions, target.userId);
}
