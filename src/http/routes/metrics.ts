import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/metrics.js';

/**
 * Unsigned, for Prometheus: `GET /metrics` in its text format. With a token configured
 * (METRICS_TOKEN) a scrape must send `Authorization: Bearer <token>`; others get 401.
 * Scrapes are not logged at info (one every few seconds).
 */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    if (expected) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.status(401).header('www-authenticate', 'Bearer').send({ code: 401, errorMessage: 'metrics need the bearer token (METRICS_TOKEN)' });
      }
    }
    return reply.type(metrics.contentType).send(await metrics.text());
  });
}
