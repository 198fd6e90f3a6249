import type { Clock } from '../../model/clock.js';
import type { OutboxStore, StaleOutboxEntry } from '../../store/outbox.js';
import type { AppRegistry } from '../apps.js';
import { inboxRecord } from '../outgoing.js';
import type { PushPlanner } from '../push/planner.js';
import { bySend, clockSkewMs, type Committer } from './commit.js';
import type { LivePush, UserDelivery } from './live-push.js';

/** An entry still in the outbox this long after its commit lost its appends (or its node). */
export const outboxStaleMs = 10_000;
const pollMs = 2_000;
const entriesPerPass = 100;

/**
 * Makes the inbox appends of committed sends that did not make them (docs/reliability.md
 * "One commit point"): every node takes stale outbox entries now and then, appends what
 * is missing (entries already there are found, not added again), pushes them live, plans
 * the offline pushes the entry still owes (docs/push.md "Durability") and deletes the
 * entries. An entry whose appends or plans fail stays, and is taken again.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly apps: Pick<AppRegistry, 'get'>,
    private readonly committer: Committer,
    private readonly push: LivePush,
    private readonly pushPlans: Pick<PushPlanner, 'replan'>,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass now (tests, shutdown); passes never overlap. */
  pass(): Promise<void> {
    this.running ??= this.relay()
      .catch(this.onError)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async relay(): Promise<void> {
    for (;;) {
      const entries = await this.outbox.takeStale(this.clock.now(), outboxStaleMs, entriesPerPass);
      const done: StaleOutboxEntry[] = [];
      for (const entry of entries) {
        try {
          await this.complete(entry);
          done.push(entry);
        } catch (err) {
          this.onError(err);
        }
      }
      await this.outbox.remove(done);
      if (entries.length < entriesPerPass || done.length === 0) return;
    }
  }

  private async complete(entry: StaleOutboxEntry): Promise<void> {
    const app = this.apps.get(entry.appKey);
    if (!app) return;
    const seqs = entry.appends.length > 0 ? await this.committer.append(app, entry.appends, entry.createdAt - clockSkewMs) : [];
    const located = await this.push.locate(app.appKey, [...new Set(entry.appends.map((a) => a.userId))]);
    const byPayload = new Map<string, UserDelivery & { users: Array<readonly [string, number | undefined]> }>();
    entry.appends.forEach(({ userId, payload }, i) => {
      let delivery = byPayload.get(payload);
      if (!delivery) byPayload.set(payload, (delivery = { message: inboxRecord.decode(payload), users: [] }));
      delivery.users.push([userId, seqs[i]]);
    });
    await this.push.toUsers(app.appKey, [...byPayload.values()], located);
    if (entry.pushPlans !== undefined) await this.pushPlans.replan(app, entry.pushPlans, bySend(entry.appends, seqs));
  }
}
