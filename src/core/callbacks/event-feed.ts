import { ParleyError } from '../../errors.js';
import type { Clock } from '../../model/clock.js';
import type { CallbackEvent, CallbackEventStore } from '../../store/callback-events.js';
import type { App } from '../apps.js';
import { deliveredKinds } from './deliveries.js';

/** The most events one pull returns. */
export const maxPullLimit = 1_000;
/**
 * A pull leaves out events written in the last second (by the database's clock): a node's
 * commit still under way may hold a lower id, and a cursor that stepped over it would never see it.
 */
export const pullSettleMs = 1_000;

/** An event as `/events/pull.json` shows it (docs/callbacks.md "Pull and replay"). */
export interface FeedEvent {
  id: number;
  kind: CallbackEvent['kind'];
  time: number;
  delivery: { state: CallbackEvent['state']; attempts: number; lastError: string; deliveredAt: number };
  data: CallbackEvent['payload'];
}

/** The app's event feed: its events in order with their delivery state, and replays of ranges of them. */
export class EventFeed {
  constructor(
    private readonly store: CallbackEventStore,
    private readonly clock: Clock,
    private readonly deliveries: { nudge(appKey: string): void },
  ) {}

  async pull(app: App, after: number, limit: number): Promise<{ events: FeedEvent[]; cursor: number }> {
    const events = await this.store.page(app.appKey, after, limit, pullSettleMs);
    return { events: events.map(feedEvent), cursor: events.at(-1)?.id ?? after };
  }

  /** The app's last `limit` events with their delivery state now (the console's view; one read however long the history). */
  async newest(app: App, limit: number): Promise<FeedEvent[]> {
    return (await this.store.newest(app.appKey, limit)).map(feedEvent);
  }

  /** Sends the events in (after, until] again, in order, whatever their state, to the callbacks configured now; answers how many. */
  async replay(app: App, after: number, until: number | undefined): Promise<number> {
    const kinds = deliveredKinds(app);
    if (kinds.length === 0) throw new ParleyError('badParameter', 'callbacks: the app has no callback URL to send events to');
    const count = await this.store.replay(app.appKey, kinds, after, until ?? Number.MAX_SAFE_INTEGER, this.clock.now());
    this.deliveries.nudge(app.appKey);
    return count;
  }
}

function feedEvent(event: CallbackEvent): FeedEvent {
  return {
    id: event.id,
    kind: event.kind,
    time: event.createdAt,
    delivery: { state: event.state, attempts: event.attempts, lastError: event.lastError, deliveredAt: event.deliveredAt },
    data: event.payload,
  };
}
