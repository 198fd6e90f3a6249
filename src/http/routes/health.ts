import type { FastifyInstance } from 'fastify';

/** Unsigned: 200 when every store behind this node answers, 503 otherwise. */
export function healthRoute(app: FastifyInstance, check: () => Promise<boolean>): void {
  app.get('/health', async (_request, reply) => {
    const healthy = await check();
    return reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'unavailable' });
  });
}
