import type { FastifyInstance } from 'fastify';

/**
 * Unsigned: 200 when every store behind this node answers, 503 otherwise. Probed every
 * few seconds by load balancers and orchestrators: its requests are not logged at info.
 */
export function healthRoute(app: FastifyInstance, check: () => Promise<boolean>): void {
  app.get('/health', { logLevel: 'warn' }, async (_request, reply) => {
    const healthy = await check();
    return reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'unavailable' });
  });
}
