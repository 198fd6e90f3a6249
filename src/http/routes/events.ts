import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { maxPullLimit, type EventFeed } from '../../core/callbacks/event-feed.js';
import { integer } from '../params.js';
import { post } from '../route.js';

const cursor = integer.pipe(z.number().min(0).max(Number.MAX_SAFE_INTEGER));

export const eventsPullBody = z.object({ after: cursor.optional(), limit: integer.pipe(z.number().min(1).max(maxPullLimit)).optional() });
export const eventsReplayBody = z.object({ after: cursor, until: cursor.optional() });

/** Parley's own event feed (docs/callbacks.md "Pull and replay"). */
export function eventRoutes(app: FastifyInstance, feed: EventFeed): void {
  post(app, { path: '/events/pull', summary: 'The app backend\'s events after a cursor, with their delivery state', body: eventsPullBody }, async (input, req) => {
    return feed.pull(req.imApp, input.after ?? 0, input.limit ?? 100);
  });
  post(app, { path: '/events/replay', summary: 'Sends a range of events to the routing callback again', body: eventsReplayBody }, async (input, req) => {
    return { replayed: await feed.replay(req.imApp, input.after, input.until) };
  });
}
