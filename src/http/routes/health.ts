import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { json } from '../openapi.js';

const schema = {
  summary: 'Whether every store behind this node answers (unsigned)',
  tags: ['operations'],
  security: [],
  response: {
    200: json(z.object({ status: z.literal('ok') }), 'Every store answers'),
    503: json(z.object({ status: z.literal('unavailable') }), 'A store does not answer'),
  },
};

/**
 * Unsigned: 200 when every store behind this node answers, 503 otherwise. Probed every
 * few seconds by load balancers and orchestrators: its requests are not logged at info.
 */
export function healthRoute(app: FastifyInstance, check: () => Promise<boolean>): void {
  app.get('/health', { logLevel: 'warn', schema }, async (_request, reply) => {
    const healthy = await check();
    return reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'unavailable' });
  });
}
