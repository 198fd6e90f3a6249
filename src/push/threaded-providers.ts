import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { App } from '../core/apps.js';
import type { PushOutcome, PushProvider, PushProviders, PushRequest } from '../core/push/provider.js';
import type { PushConfig } from '../config.js';
import type { PushProviderName } from '../model/push.js';

/** What the node sends its push thread (src/push/provider-thread.ts). */
export type ToPushThread =
  /** An app's settings of one provider, sent before its first push and again when they change. */
  | { kind: 'settings'; appKey: string; provider: PushProviderName; settings: PushConfig[PushProviderName] }
  /** `now` is the node's clock, which the provider tokens' ages are counted on. */
  | { kind: 'send'; id: number; appKey: string; provider: PushProviderName; now: number; request: PushRequest }
  | { kind: 'close' };

/** What became of a `send`. */
export interface FromPushThread {
  id: number;
  outcome: PushOutcome;
}

/**
 * How much nicer than the node the push thread runs (Linux; capped at 19, the lowest
 * priority). On a busy core the scheduler then runs message delivery (the main thread)
 * first: the push fan-out waits, and gets about a tenth of the core while delivery wants
 * all of it (BENCHMARKS.md "Push fan-out").
 */
export const pushThreadNicer = 10;

/** The nice value of a push thread started by a thread of nice `nodeNice`. */
export const pushThreadNice = (nodeNice: number) => Math.min(19, nodeNice + pushThreadNicer);

/** A thread asked to close (after the worker's last pass) is stopped if it has not exited by then. */
const closeGraceMs = 2_000;
const restartAfterMs = 1_000;

/**
 * The push providers run in a worker thread (BENCHMARKS.md "Push fan-out"): a fan-out's
 * TLS, HTTP/2 framing, JSON payloads and JWT signatures would otherwise queue in the
 * event loop that delivers messages, and slow online delivery while a group send is
 * pushed. The node keeps the deciding (jobs, leases, badges, outcomes); the thread only
 * sends, with the providers of src/push/providers.ts, and answers each send's outcome.
 * It starts on the first push; if it dies, its pushes in flight are retried and the next
 * push starts another one.
 */
export class ThreadedPushProviders implements PushProviders {
  private thread: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (outcome: PushOutcome) => void>();
  /** The settings object sent to the running thread, by app and provider. */
  private readonly sentSettings = new Map<string, unknown>();

  private closed = false;
  /** When the last thread stopped: another is not started within `restartAfterMs` of it. */
  private stoppedAt = Number.NEGATIVE_INFINITY;

  /** `onStopped` hears why a thread stopped (the node logs it); `start` makes the thread (tests keep a handle on it). */
  constructor(
    private readonly now: () => number,
    private readonly onStopped: (why: string) => void = () => undefined,
    private readonly start: () => Worker = startProviderThread,
  ) {}

  of(app: Pick<App, 'appKey' | 'push'>, provider: PushProviderName): PushProvider | undefined {
    const settings = app.push?.[provider];
    if (!settings) return undefined;
    return { send: (request) => this.send(app.appKey, provider, settings, request) };
  }

  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    if (!thread) return;
    const exited = once(thread, 'exit');
    thread.postMessage({ kind: 'close' } satisfies ToPushThread);
    const grace = setTimeout(() => void thread.terminate(), closeGraceMs);
    await exited;
    clearTimeout(grace);
  }

  private send(appKey: string, provider: PushProviderName, settings: PushConfig[PushProviderName], request: PushRequest): Promise<PushOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'retry', reason: 'the push providers are closed' });
    // A thread that keeps failing (a broken install) is not started again for every push: the jobs back off meanwhile.
    if (!this.thread && Date.now() - this.stoppedAt < restartAfterMs) return Promise.resolve({ kind: 'retry', reason: 'the push thread stopped moments ago' });
    let thread: Worker;
    try {
      thread = this.running();
    } catch (err) {
      this.stoppedAt = Date.now();
      this.onStopped(`could not start: ${(err as Error).message}`);
      return Promise.resolve({ kind: 'retry', reason: 'the push thread could not start' });
    }
    const key = `${appKey}\u0000${provider}`;
    if (this.sentSettings.get(key) !== settings) {
      thread.postMessage({ kind: 'settings', appKey, provider, settings } satisfies ToPushThread);
      this.sentSettings.set(key, settings);
    }
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      thread.postMessage({ kind: 'send', id, appKey, provider, now: this.now(), request } satisfies ToPushThread);
    });
  }

  private running(): Worker {
    if (this.thread) return this.thread;
    const thread = this.start();
    thread.unref();
    thread.on('message', ({ id, outcome }: FromPushThread) => {
      this.pending.get(id)?.(outcome);
      this.pending.delete(id);
    });
    thread.on('error', (err) => this.stopped(thread, err.message));
    thread.on('exit', (code) => this.stopped(thread, `exit code ${code}`));
    this.thread = thread;
    return thread;
  }

  /** The thread is gone: what it had in flight is retried (by the worker's backoff), and the next push starts a new one. */
  private stopped(thread: Worker, why: string): void {
    if (this.thread !== thread) return;
    this.thread = undefined;
    this.stoppedAt = Date.now();
    if (!this.closed) this.onStopped(why);
    this.sentSettings.clear();
    const outcome: PushOutcome = { kind: 'retry', reason: `the push thread stopped (${why})` };
    for (const resolve of this.pending.values()) resolve(outcome);
    this.pending.clear();
  }
}

/**
 * From dist/ the thread is plain JavaScript. From the TypeScript sources (the tests, `npm run
 * dev`) it first registers tsx's loader (a worker's `--import` is not honoured on Node 20),
 * found from the working directory, the repository's root there.
 */
export function startProviderThread(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./provider-thread.js', import.meta.url));
  const entry = new URL('./provider-thread.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}
