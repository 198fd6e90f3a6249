import type { Clock } from '../../model/clock.js';
import type { Attempt, CallbackEvent, CallbackEventKind, CallbackEventStore } from '../../store/callback-events.js';
import type { App } from '../apps.js';
import type { CallbackPoster, CallbackRequest } from './poster.js';
import { signedUrl } from './signing.js';

/** How often owed callbacks are looked for when nothing nudges (another node's commits); online-status batches go out at most this often. */
export const callbackPollMs = 1_000;
/** Commits nudging within this long share one pass. */
const nudgeDelayMs = 5;
/** Requests of one app's routing in flight at once (one per conversation). */
const concurrency = 16;
/** The first retry waits about this long; each next one twice as long, up to `maxRetryDelayMs`. */
const firstRetryDelayMs = 1_000;
const maxRetryDelayMs = 10 * 60_000;
/** Delivered and given-up events past the horizon are deleted this often. */
const forgetEveryMs = 60_000;

export interface CallbackDeliveryDeps {
  store: CallbackEventStore;
  poster: CallbackPoster;
  clock: Clock;
  nodeId: string;
  /** [0, 1): the jitter of retry delays. */
  random: () => number;
  onError(err: unknown, appKey: string): void;
  /** Each pass's outcomes (metrics): the state of every event it tried. */
  settled?(appKey: string, callback: 'messageRoute' | 'onlineStatus', states: readonly Attempt['state'][]): void;
}

/**
 * How one callback of an app goes out: routing as one form POST per event, conversations side
 * by side and each in order; online status as JSON arrays of up to 100 events, one POST per
 * pass (at most one a second).
 */
interface Channel {
  name: 'messageRoute' | 'onlineStatus';
  url: string;
  kinds: readonly CallbackEventKind[];
  perConversation: number;
  eventsPerPass: number;
  batched: boolean;
}

/** The kinds of events the app's configured callbacks deliver. */
export const deliveredKinds = (app: App): CallbackEventKind[] => channelsOf(app).flatMap((c) => c.kinds);

function channelsOf(app: App): Channel[] {
  const callbacks = app.callbacks;
  const channels: Channel[] = [];
  if (callbacks?.messageRoute) {
    channels.push({ name: 'messageRoute', url: callbacks.messageRoute.url, kinds: ['message.routed', 'message.recalled'], perConversation: 20, eventsPerPass: 200, batched: false });
  }
  if (callbacks?.onlineStatus) {
    channels.push({ name: 'onlineStatus', url: callbacks.onlineStatus.url, kinds: ['user.online', 'user.offline'], perConversation: 100, eventsPerPass: 100, batched: true });
  }
  return channels;
}

/**
 * Delivers the callbacks owed to app backends (docs/callbacks.md "Guarantees"): each app and
 * callback on its own loop, so one app's dead receiver never delays another's; one node at a
 * time per loop (a lease), so order is kept without races between nodes. A failed try is
 * retried with exponential backoff and jitter until the app's horizon, then given up.
 */
export class CallbackDeliveries {
  private loops: ChannelLoop[] = [];
  private started = false;

  constructor(private readonly deps: CallbackDeliveryDeps) {}

  /**
   * The apps as they are now (docs/admin.md): an app object not seen before (new, or changed
   * and swapped whole) gets its loops, after the loops of the object it replaces have stopped
   * and handed their lease over; a removed app's loops stop.
   */
  async sync(apps: readonly App[]): Promise<void> {
    const current = new Set(apps);
    const gone = this.loops.filter((loop) => !current.has(loop.app));
    const served = new Set(this.loops.map((loop) => loop.app));
    const added = apps.filter((app) => !served.has(app)).flatMap((app) => channelsOf(app).map((channel) => new ChannelLoop(app, channel, this.deps)));
    this.loops = [...this.loops.filter((loop) => current.has(loop.app)), ...added];
    await Promise.all(gone.map((loop) => loop.stop()));
    if (this.started) for (const loop of added) loop.start();
  }

  start(): void {
    this.started = true;
    for (const loop of this.loops) loop.start();
  }

  /** A commit on this node owes `appKey` routing callbacks: look now rather than at the next poll. */
  nudge(appKey: string): void {
    for (const loop of this.loops) if (loop.appKey === appKey && !loop.batched) loop.nudge();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}

class ChannelLoop {
  readonly appKey: string;
  readonly batched: boolean;
  private readonly leaseKey: string;
  private readonly timeoutMs: number;
  private readonly horizonMs: number;
  /** Longer than a pass can take (no request starts after a pass's first `timeoutMs`): a pass starting with this much left needs no renewal. */
  private readonly passMs: number;
  /** Twice `passMs`: renewed about every `passMs`, not every pass (a statement saved per pass). */
  private readonly leaseMs: number;
  /** Until when this node holds the lease, as far as it knows (epoch ms). */
  private leasedUntil = 0;
  private nudgeTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private forgottenAt = 0;
  /** When the last batch was posted (epoch ms). */
  private lastBatchAt = 0;

  constructor(
    readonly app: App,
    private readonly channel: Channel,
    private readonly deps: CallbackDeliveryDeps,
  ) {
    const callbacks = app.callbacks!;
    this.appKey = app.appKey;
    this.batched = channel.batched;
    this.leaseKey = `${app.appKey}/${channel.name}`;
    this.timeoutMs = callbacks.timeoutMs;
    this.horizonMs = callbacks.horizonHours * 3_600_000;
    this.passMs = 2 * this.timeoutMs + 5_000;
    this.leaseMs = 2 * this.passMs;
  }

  start(): void {
    this.timer = setInterval(() => void this.pass(), callbackPollMs);
    this.timer.unref();
  }

  /** Ends the passes and hands the lease over; a lease that cannot be released runs out by itself. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.nudgeTimer);
    this.stopped = true;
    await this.running;
    await this.deps.store.release(this.leaseKey, this.deps.nodeId).catch((err: unknown) => this.deps.onError(err, this.appKey));
  }

  /**
   * New events were committed: a pass soon. Nudges within `nudgeDelayMs` share one pass, so
   * a busy app pays a pass per few milliseconds, not one per message.
   */
  nudge(): void {
    if (this.nudgeTimer || this.stopped) return;
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = undefined;
      void this.pass();
    }, nudgeDelayMs);
    this.nudgeTimer.unref();
  }

  /** Passes never overlap: one asked for while one runs follows it. */
  pass(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run()
      .catch((err: unknown) => this.deps.onError(err, this.appKey))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.pass();
        }
      });
    return this.running;
  }

  private async run(): Promise<void> {
    const { store, clock, nodeId } = this.deps;
    const { kinds, perConversation, eventsPerPass } = this.channel;
    for (;;) {
      const start = clock.now();
      if (this.leasedUntil - start < this.passMs) {
        if (!(await store.lease(this.leaseKey, nodeId, start, start + this.leaseMs))) return;
        this.leasedUntil = start + this.leaseMs;
      }
      await this.forgetOld(start);
      const events = await store.due(this.appKey, kinds, start, perConversation, eventsPerPass);
      if (events.length === 0) return;
      const attempts = this.batched ? await this.deliverBatch(events) : await this.deliverEach(events, start + this.timeoutMs);
      await store.settle(this.appKey, attempts);
      this.deps.settled?.(this.appKey, this.channel.name, attempts.map((a) => a.state));
      // Routing goes on while the receiver takes them and more may be owed (a full pass, or a
      // conversation that filled its share: a busy one drains at once, not 20 a poll); failures
      // wait for their retry time.
      const mayHaveMore = events.length >= eventsPerPass || fillsAShare(events, perConversation);
      if (this.batched || !mayHaveMore || !attempts.some((a) => a.state === 'delivered')) return;
    }
  }

  /** Conversations side by side, each in order, stopping at its first failure; no request starts after `startBy`. */
  private async deliverEach(events: readonly CallbackEvent[], startBy: number): Promise<Attempt[]> {
    const byConversation = new Map<string, CallbackEvent[]>();
    for (const event of events) {
      const list = byConversation.get(event.conversation);
      if (list) list.push(event);
      else byConversation.set(event.conversation, [event]);
    }
    const queues = [...byConversation.values()];
    const attempts: Attempt[] = [];
    const worker = async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const event of queue) {
          if (this.deps.clock.now() > startBy) return;
          const [attempt] = await this.attempt([event], 'application/x-www-form-urlencoded', new URLSearchParams(asText(event.payload)).toString());
          attempts.push(attempt!);
          if (attempt!.state !== 'delivered') break;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
    return attempts;
  }

  /**
   * All the events in one JSON array: delivered, or retried, together. Passes start a second
   * apart but take varying time, so the POST itself waits out a second since the last one.
   */
  private async deliverBatch(events: readonly CallbackEvent[]): Promise<Attempt[]> {
    // A loop, not one timer: a timer may fire a millisecond early by the wall clock.
    for (let wait = this.lastBatchAt + callbackPollMs - this.deps.clock.now(); wait > 0; wait = this.lastBatchAt + callbackPollMs - this.deps.clock.now()) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    // The batch is signed with the time it is spaced by (building its body may take a few ms).
    this.lastBatchAt = this.deps.clock.now();
    return this.attempt(events, 'application/json', JSON.stringify(events.map((e) => e.payload)), this.lastBatchAt);
  }

  private async attempt(events: readonly CallbackEvent[], contentType: CallbackRequest['contentType'], body: string, signedAt = this.deps.clock.now()): Promise<Attempt[]> {
    const { clock, poster } = this.deps;
    try {
      await poster.post({ url: signedUrl(this.channel.url, this.app.appSecret, signedAt), contentType, body, timeoutMs: this.timeoutMs });
      const deliveredAt = clock.now();
      return events.map((e): Attempt => ({ id: e.id, state: 'delivered', attempts: e.attempts + 1, nextAt: 0, lastError: '', deliveredAt }));
    } catch (err) {
      const now = clock.now();
      const lastError = err instanceof Error ? err.message : String(err);
      return events.map((e): Attempt => {
        const nextAt = now + this.retryDelay(e.attempts + 1);
        const state = nextAt > e.createdAt + this.horizonMs ? 'failed' : 'pending';
        return { id: e.id, state, attempts: e.attempts + 1, nextAt, lastError, deliveredAt: 0 };
      });
    }
  }

  /** Exponential, with up to half of it taken off at random so that retries of many events spread out. */
  private retryDelay(tries: number): number {
    const delay = Math.min(firstRetryDelayMs * 2 ** (tries - 1), maxRetryDelayMs);
    return Math.round(delay * (1 - this.deps.random() / 2));
  }

  private async forgetOld(now: number): Promise<void> {
    if (now - this.forgottenAt < forgetEveryMs) return;
    this.forgottenAt = now;
    await this.deps.store.forget(this.appKey, now - this.horizonMs);
  }
}

/** Whether some conversation got its whole share of a pass (so it may have more owed). */
function fillsAShare(events: readonly CallbackEvent[], perConversation: number): boolean {
  const counts = new Map<string, number>();
  for (const { conversation } of events) {
    const count = (counts.get(conversation) ?? 0) + 1;
    if (count >= perConversation) return true;
    counts.set(conversation, count);
  }
  return false;
}

const asText = (payload: CallbackEvent['payload']) => Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, String(v)]));
