import type { Clock } from '../../model/clock.js';
import type { SessionInfo } from '../../model/session.js';
import type { CallbackEventStore, NewCallbackEvent } from '../../store/callback-events.js';
import type { App } from '../apps.js';
import type { CoreEvent } from '../delivery/events.js';
import { sourceOfPlatform } from './message-route.js';

/** A device that reconnects within this long after its session closed is reported neither offline nor online again. */
export const reconnectGraceMs = 3_000;
/** Events not written (the database did not answer) are tried again this often. */
const rewriteMs = 1_000;

/** RongCloud's online-status values (inverted against /user/checkOnline's). */
const statuses = { online: '0', offline: '1', loggedOut: '2' } as const;

/**
 * Turns the sessions this node opens and closes into the online-status callback's events
 * (docs/callbacks.md "Online status"): an offline event waits `reconnectGraceMs`, and a
 * session of the same user and platform opened meanwhile cancels it and is not reported.
 * Events are written to the event table as they are decided; the deliveries batch them.
 */
export class OnlineStatusReports {
  /** Offline events waiting out the grace period, by app, user and platform. */
  private readonly waiting = new Map<string, { timer: NodeJS.Timeout; event: NewCallbackEvent; appKey: string }>();
  private unwritten: Array<{ appKey: string; event: NewCallbackEvent }> = [];
  private writing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<CallbackEventStore, 'add'>,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** A core-event listener: returns at once. */
  readonly listener = (event: CoreEvent): void => {
    if (event.type !== 'session.opened' && event.type !== 'session.closed') return;
    if (!event.app.callbacks?.onlineStatus) return;
    const key = JSON.stringify([event.app.appKey, event.session.userId, event.session.platform]);
    const waiting = this.waiting.get(key);
    if (event.type === 'session.opened') {
      if (waiting) {
        clearTimeout(waiting.timer);
        this.waiting.delete(key);
        return;
      }
      this.write(event.app, this.statusEvent(event.session, statuses.online, event.address));
      return;
    }
    if (waiting) this.flushWaiting(key);
    const offline = this.statusEvent(event.session, event.loggedOut ? statuses.loggedOut : statuses.offline, event.address);
    const timer = setTimeout(() => this.flushWaiting(key), reconnectGraceMs);
    timer.unref();
    this.waiting.set(key, { timer, event: offline, appKey: event.app.appKey });
  };

  /** Writes every waiting and unwritten event now (a node shutting down). */
  async stop(): Promise<void> {
    for (const key of [...this.waiting.keys()]) this.flushWaiting(key);
    clearTimeout(this.retryTimer);
    await this.writing;
    if (this.unwritten.length > 0) await this.writeAll();
  }

  private flushWaiting(key: string): void {
    const waiting = this.waiting.get(key);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.waiting.delete(key);
    this.unwritten.push({ appKey: waiting.appKey, event: waiting.event });
    this.schedule();
  }

  private write(app: App, event: NewCallbackEvent): void {
    this.unwritten.push({ appKey: app.appKey, event });
    this.schedule();
  }

  /** One insert per app for everything decided in the same tick. */
  private schedule(): void {
    if (this.writing) return;
    this.writing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.writeAll()).finally(() => (this.writing = undefined));
  }

  private async writeAll(): Promise<void> {
    const batch = this.unwritten;
    this.unwritten = [];
    const byApp = new Map<string, NewCallbackEvent[]>();
    for (const { appKey, event } of batch) byApp.set(appKey, [...(byApp.get(appKey) ?? []), event]);
    for (const [appKey, events] of byApp) {
      try {
        await this.store.add(appKey, events);
      } catch (err) {
        this.onError(err);
        this.unwritten.push(...events.map((event) => ({ appKey, event })));
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.schedule(), rewriteMs);
        this.retryTimer.unref();
      }
    }
  }

  private statusEvent(session: SessionInfo, status: string, address: string | undefined): NewCallbackEvent {
    const time = this.clock.now();
    return {
      dedupeKey: `status:${session.sessionId}:${status}`,
      kind: status === statuses.online ? 'user.online' : 'user.offline',
      conversation: 'status',
      createdAt: time,
      payload: { userid: session.userId, status, os: sourceOfPlatform(session.platform), time, clientIp: address ?? '', sessionId: session.sessionId },
    };
  }
}
