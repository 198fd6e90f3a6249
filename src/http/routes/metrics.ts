import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/metrics.js';
import { requireBearer } from '../bearer.js';

/**
 * Unsigned, for Prometheus: `GET /metrics` in its text format. With a token configured
 * (METRICS_TOKEN) a scrape must send `Authorization: Bearer <token>`; others get 401.
 * Scrapes are not logged at info (one every few seconds).
 */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  const onRequest = token === undefined ? [] : [requireBearer(token, 'metrics need the bearer token (METRICS_TOKEN)')];
  app.get('/metrics', { logLevel: 'warn', onRequest }, async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
}
