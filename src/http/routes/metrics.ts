import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Metrics } from '../../metrics/metrics.js';
import { requireBearer } from '../bearer.js';
import { bearerRefusal, bearerSecurity } from '../openapi.js';

/**
 * Unsigned, for Prometheus: `GET /metrics` in its text format. With a token configured
 * (METRICS_TOKEN) a scrape must send `Authorization: Bearer <token>`; others get 401.
 * Scrapes are not logged at info (one every few seconds).
 */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  const onRequest = token === undefined ? [] : [requireBearer(token, 'metrics need the bearer token (METRICS_TOKEN)')];
  const schema = {
    summary: 'Prometheus metrics (bearer token when METRICS_TOKEN is set)',
    tags: ['operations'],
    security: token === undefined ? [] : bearerSecurity,
    response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } }, 401: bearerRefusal },
  };
  app.get('/metrics', { logLevel: 'warn', onRequest, schema }, async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
}
