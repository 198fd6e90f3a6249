import type { Clock } from '../../model/clock.js';
import type { Notification } from '../../model/push.js';
import type { PushJob, PushJobStore } from '../../store/push-jobs.js';
import type { App, AppRegistry } from '../apps.js';
import type { PushOutcome, PushProviders } from './provider.js';
import type { PushTokens } from './tokens.js';

const pollMs = 1_000;
/** A node that takes a job has this long to finish it before another node may take it. */
export const pushLeaseMs = 30_000;
export const jobsPerPass = 64;
/** Retries back off from 1 s, doubling, up to 5 minutes; a job is given up after this many attempts. */
const firstRetryMs = 1_000;
const maxRetryMs = 300_000;
const maxAttempts = 10;
/** Sent jobs are kept a day, so a message re-announced is found and not pushed twice. */
const keepSentMs = 86_400_000;

/** A pass's jobs with the badges of their users, by app and user. */
interface Taken {
  taken: PushJob[];
  badges: Map<string, Map<string, number>>;
}

export interface PushWorkerDeps {
  jobs: PushJobStore;
  tokens: Pick<PushTokens, 'removeDead'>;
  providers: PushProviders;
  apps: Pick<AppRegistry, 'get'>;
  /** A connected device's delayed job (`unackedSeq`): still owed, neither acked nor read? */
  stillUnacked(app: App, job: PushJob & { unackedSeq: number }, notification: Notification): Promise<boolean>;
  /** Each user's total unread count, as the conversation list computes it (the iOS badges), in one query. */
  unread(app: App, userIds: readonly string[]): Promise<Map<string, number>>;
  clock: Clock;
  /** What became of a job (logs, tests). */
  report(job: PushJob, outcome: PushOutcome | { kind: 'dropped'; reason: string }): void;
  onError: (err: unknown) => void;
}

/**
 * Sends owed pushes (docs/push.md "Durability"), on every node: takes due jobs under a
 * lease, sends each with its provider, and records the outcome — sent (never again),
 * retried with backoff and jitter (429, 5xx, network), the token removed (dead), or given
 * up. Runs beside message delivery, never in its way: a provider outage only delays pushes.
 */
export class PushWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private lastForget = 0;

  constructor(private readonly deps: PushWorkerDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** New jobs were written: a pass now (or right after the one running). */
  kick(): void {
    if (this.running) this.again = true;
    else void this.pass();
  }

  /** How many pushes are owed to the app's devices and not sent yet (the console, docs/admin.md). */
  owed(appKey: string): Promise<number> {
    return this.deps.jobs.pending(appKey);
  }

  /** One pass now (tests, shutdown); passes never overlap. */
  pass(): Promise<void> {
    this.running ??= this.work()
      .catch(this.deps.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again && this.timer) {
          this.again = false;
          void this.pass();
        }
      });
    return this.running;
  }

  /**
   * Passes until no job is due. One statement reads a pass's badges and one marks its
   * successes (a query per push was most of a fan-out's time, BENCHMARKS.md "Push fan-out"),
   * and the database work of the passes before and after overlaps the pushes in flight: the
   * next pass is taken, and the last one marked, while the provider answers this one.
   */
  private async work(): Promise<void> {
    const { jobs, clock } = this.deps;
    let next: Promise<Taken> | undefined = this.takePass();
    let marking: Promise<void> = Promise.resolve();
    while (next) {
      this.again = false;
      const { taken, badges }: Taken = await next;
      next = taken.length === jobsPerPass ? this.takePass() : undefined;
      const sent: PushJob[] = [];
      await Promise.all(taken.map((job) => this.attempt(job, badges, sent).catch(this.deps.onError)));
      await marking;
      marking = jobs.sent(sent, clock.now());
      // Awaited next round (or below); this only keeps a failure from going unhandled meanwhile.
      marking.catch(() => undefined);
    }
    await marking;
    const now = clock.now();
    if (now - this.lastForget > pollMs * 60) {
      this.lastForget = now;
      await jobs.forgetSent(now - keepSentMs);
    }
  }

  /** Takes the next pass's jobs and reads their badges; a failure is kept for the await, not left unhandled. */
  private takePass(): Promise<Taken> {
    const taking = (async () => {
      const taken = await this.deps.jobs.take(this.deps.clock.now(), pushLeaseMs, jobsPerPass);
      return { taken, badges: await this.badges(taken) };
    })();
    taking.catch(() => undefined);
    return taking;
  }

  /** The badges of the pass's jobs (APNs `badge`, FCM `notification_count`), by app and user (a job with its own `count` needs none). */
  private async badges(taken: readonly PushJob[]): Promise<Taken['badges']> {
    const users = new Map<string, Set<string>>();
    for (const job of taken) {
      if ((JSON.parse(job.notification) as Notification).badge !== undefined) continue;
      users.set(job.appKey, (users.get(job.appKey) ?? new Set<string>()).add(job.userId));
    }
    const badges = new Map<string, Map<string, number>>();
    for (const [appKey, userIds] of users) {
      const app = this.deps.apps.get(appKey);
      if (app) badges.set(appKey, await this.deps.unread(app, [...userIds]));
    }
    return badges;
  }

  /** Sends one job and records what became of it; a success is only added to `sent`, marked with the pass's others. */
  private async attempt(job: PushJob, badges: Taken['badges'], sent: PushJob[]): Promise<void> {
    const { jobs, clock } = this.deps;
    const app = this.deps.apps.get(job.appKey);
    const provider = app && this.deps.providers.of(app, job.provider);
    if (!app || !provider) return this.drop(job, `no ${job.provider} provider configured for the app`);
    const notification = JSON.parse(job.notification) as Notification;
    const { unackedSeq } = job;
    if (unackedSeq !== undefined && !(await this.deps.stillUnacked(app, { ...job, unackedSeq }, notification))) {
      return this.drop(job, 'the connected device acked or read it');
    }
    const badge = notification.badge ?? badges.get(job.appKey)?.get(job.userId) ?? 0;
    const outcome = await provider.send({ token: job.token, notification, badge, messageUId: job.messageUId });
    this.deps.report(job, outcome);
    switch (outcome.kind) {
      case 'sent':
        sent.push(job);
        return;
      case 'retry':
        if (job.attempts + 1 >= maxAttempts) return this.drop(job, `gave up after ${maxAttempts} attempts: ${outcome.reason}`);
        return jobs.retry(job, Math.round(clock.now() + Math.max(backoffMs(job.attempts), outcome.afterMs ?? 0)));
      case 'deadToken':
        await this.deps.tokens.removeDead(job.appKey, job);
        return jobs.drop(job);
      case 'failed':
        return jobs.drop(job);
    }
  }

  private async drop(job: PushJob, reason: string): Promise<void> {
    this.deps.report(job, { kind: 'dropped', reason });
    await this.deps.jobs.drop(job);
  }
}

/** Exponential backoff with jitter: half the step fixed, half random, so that retries of many jobs spread out. */
export function backoffMs(attemptsBefore: number): number {
  const step = Math.min(maxRetryMs, firstRetryMs * 2 ** attemptsBefore);
  return step / 2 + Math.random() * (step / 2);
}
