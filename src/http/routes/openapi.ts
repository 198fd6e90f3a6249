import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RouteSpec } from '../route.js';

/** The OpenAPI document, generated from the same zod schemas that validate requests. */
export function openApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', async () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of app.routeCatalog) {
      const [path, method, operation] = describe(route);
      paths[path] = { ...paths[path], [method]: operation };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'Parley server API (RongCloud-compatible)', version: '1' },
      components: {
        securitySchemes: Object.fromEntries(
          ['App-Key', 'Nonce', 'Timestamp', 'Signature'].map((name) => [name, { type: 'apiKey', in: 'header', name }]),
        ),
      },
      security: [{ 'App-Key': [], Nonce: [], Timestamp: [], Signature: [] }],
      paths,
    };
  });
}

/** v1: `POST <path>.json` with a form body; `/v2`: the route's method, JSON body or query, `{param}` paths. */
function describe(route: RouteSpec<z.ZodType>): [string, string, Record<string, unknown>] {
  const schema = z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' });
  if (!route.method) {
    return [`${route.path}.json`, 'post', {
      summary: route.summary,
      requestBody: { content: { 'application/x-www-form-urlencoded': { schema } } },
      responses: { '200': { description: '`{"code":200, …}`' } },
    }];
  }
  const carries = route.method === 'GET' ? { description: `query and path parameters: ${JSON.stringify(schema)}` } : { requestBody: { content: { 'application/json': { schema } } } };
  return [route.path.replace(/:(\w+)/g, '{$1}'), route.method.toLowerCase(), {
    summary: route.summary,
    ...carries,
    responses: { '200': { description: '`{"code":10000,"msg":"success", …}`' } },
  }];
}
