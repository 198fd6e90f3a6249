import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App, AppRegistry } from '../../core/apps.js';
import { maxPullLimit, type EventFeed } from '../../core/callbacks/event-feed.js';
import type { HistoryService } from '../../core/history.js';
import type { AudiencePushes } from '../../core/push/audience-push.js';
import type { PushWorker } from '../../core/push/worker.js';
import type { OnlineSessions } from '../../core/online-sessions.js';
import type { Metrics } from '../../metrics/metrics.js';
import { ParleyError } from '../../errors.js';
import { adminSchema, appKeyOf } from '../admin-schema.js';
import { parse } from '../route.js';
import { id, integer, requiredText } from '../params.js';

/** What the console reads (docs/admin.md "The console's reads"). */
export interface ConsoleSources {
  nodeId: string;
  apps: AppRegistry;
  onlineSessions: Pick<OnlineSessions, 'byNode'>;
  metrics: Metrics;
  history: HistoryService;
  eventFeed: EventFeed;
  push: { worker: Pick<PushWorker, 'owed'>; audience: Pick<AudiencePushes, 'status'> };
}

const count = (max: number) => integer.pipe(z.number().int().min(1).max(max));
const cursor = integer.pipe(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER));

const messagesQuery = z.object({
  userId: id,
  conversationType: integer.pipe(z.union([z.literal(1), z.literal(3), z.literal(6), z.literal(10)])),
  targetId: id,
  limit: count(100).default(20),
});
/** Without `after`: the newest `limit` events, as they stand now. */
const eventsQuery = z.object({ after: cursor.optional(), limit: count(maxPullLimit).default(100) });
const pushesQuery = z.object({ id: requiredText(64).optional() });

const listedSession = z.object({ appKey: z.string(), userId: z.string(), deviceId: z.string(), platform: z.string(), connectedAt: z.number() });
const nodeAnswer = z.object({ nodeId: z.string(), answered: z.boolean(), total: z.number().optional(), sessions: z.array(listedSession).optional() });

function appOf(sources: ConsoleSources, request: FastifyRequest): App {
  const appKey = appKeyOf(request);
  const app = sources.apps.get(appKey);
  if (!app) throw new ParleyError('notFound', `no app ${appKey}`);
  return app;
}

/**
 * The console's reads (public/console.js), behind the admin API's bearer token: who is
 * online on each node, this node's metrics, a conversation's recent messages, the callback events
 * with their delivery state and the owed pushes. Each reuses the service the signed API or
 * `/metrics` answers from; none writes.
 */
export function adminConsoleRoutes(admin: FastifyInstance, sources: ConsoleSources): void {
  // Polled every few seconds by an open console: not worth an info line each (faults are still logged).
  admin.get('/sessions', {
    logLevel: 'warn',
    schema: adminSchema({
      summary: 'The device sessions of every node alive (the first 500 of each), as the nodes answer within a second',
      answer: z.object({ code: z.literal(200), nodeId: z.string(), nodes: z.array(nodeAnswer) }),
      inPath: false,
    }),
  }, async () => ({ code: 200, nodeId: sources.nodeId, nodes: await sources.onlineSessions.byNode() }));

  const metricsSchema = adminSchema({ summary: 'This node\'s metrics, as `GET /metrics` answers them, for the console', answer: z.string(), inPath: false });
  admin.get('/metrics', {
    logLevel: 'warn',
    schema: { ...metricsSchema, response: { ...metricsSchema.response, 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } } },
  }, async (_request, reply) => reply.type(sources.metrics.contentType).send(await sources.metrics.text()));

  admin.get('/apps/:appKey/messages', {
    schema: adminSchema({
      summary: 'A conversation\'s recent messages as one of its users sees them, newest first (cloud history)',
      answer: z.object({ code: z.literal(200), messages: z.array(z.looseObject({ messageUId: z.string() })), hasMore: z.boolean() }),
      querystring: messagesQuery,
    }),
  }, async (request) => {
    const app = appOf(sources, request);
    const { userId, conversationType, targetId, limit } = parse(messagesQuery, request.query);
    const { messages, hasMore } = await sources.history.page(app, userId, { conversationType, targetId, limit });
    return { code: 200, messages, hasMore };
  });

  admin.get('/apps/:appKey/events', {
    logLevel: 'warn',
    schema: adminSchema({
      summary: 'The app\'s newest callback events with their delivery state, or those after a cursor (as `/events/pull.json`)',
      answer: z.object({ code: z.literal(200), events: z.array(z.looseObject({ id: z.number() })), cursor: z.number() }),
      querystring: eventsQuery,
    }),
  }, async (request) => {
    const app = appOf(sources, request);
    const { after, limit } = parse(eventsQuery, request.query);
    if (after !== undefined) return { code: 200, ...(await sources.eventFeed.pull(app, after, limit)) };
    const events = await sources.eventFeed.newest(app, limit);
    return { code: 200, events, cursor: events.at(-1)?.id ?? 0 };
  });

  admin.get('/apps/:appKey/pushes', {
    logLevel: 'warn',
    schema: adminSchema({
      summary: 'Pushes owed to the app\'s devices, and with `id` the state of a push to an audience (as `/push/status.json`)',
      answer: z.object({ code: z.literal(200), pending: z.number(), push: z.looseObject({ state: z.string() }).optional() }),
      querystring: pushesQuery,
    }),
  }, async (request) => {
    const app = appOf(sources, request);
    const { id: pushId } = parse(pushesQuery, request.query);
    const pending = await sources.push.worker.owed(app.appKey);
    return { code: 200, pending, ...(pushId !== undefined && { push: await sources.push.audience.status(app, pushId) }) };
  });
}
