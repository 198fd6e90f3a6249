import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/** The OpenAPI document, generated from the same zod schemas that validate requests. */
export function openApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', async () => ({
    openapi: '3.1.0',
    info: { title: 'Parley server API (RongCloud-compatible)', version: '1' },
    components: {
      securitySchemes: Object.fromEntries(
        ['App-Key', 'Nonce', 'Timestamp', 'Signature'].map((name) => [name, { type: 'apiKey', in: 'header', name }]),
      ),
    },
    security: [{ 'App-Key': [], Nonce: [], Timestamp: [], Signature: [] }],
    paths: Object.fromEntries(
      app.routeCatalog.map((route) => [
        `${route.path}.json`,
        {
          post: {
            summary: route.summary,
            requestBody: {
              content: {
                'application/x-www-form-urlencoded': { schema: z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }) },
              },
            },
            responses: { '200': { description: '`{"code":200, …}`' } },
          },
        },
      ]),
    ),
  }));
}
