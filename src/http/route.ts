import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { App } from '../core/apps.js';
import { findBadInput } from '../core/input-rules.js';
import { ParleyError } from '../errors.js';

export interface RouteSpec<S extends z.ZodType> {
  /** Path without `.json`; both forms are served. */
  path: string;
  summary: string;
  body: S;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The app whose signature this request carries (set before any signed route runs). */
    imApp: App;
  }
  interface FastifyInstance {
    /** Every signed route of this app, for the OpenAPI document (the schema is the single source). */
    routeCatalog: RouteSpec<z.ZodType>[];
  }
}

export type Handler<S extends z.ZodType> = (
  input: z.infer<S>,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<Record<string, unknown>>;

/**
 * Registers a signed RongCloud-style POST route: the body is parsed with `spec.body`
 * (bad input, or text Postgres cannot store → 1002 naming the field, nothing done), the
 * handler's object is answered as `{"code":200, …}`.
 */
export function post<S extends z.ZodType>(app: FastifyInstance, spec: RouteSpec<S>, handler: Handler<S>): void {
  app.routeCatalog.push(spec);
  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = spec.body.safeParse(request.body ?? {});
    if (!parsed.success) throw new ParleyError('badParameter', describeIssues(parsed.error));
    // After parsing, so values decoded from JSON text (extraKeyVal) are checked too.
    const bad = findBadInput(parsed.data);
    if (bad) throw new ParleyError('badParameter', `${bad.path || 'body'}: ${bad.problem}`);
    const result = await handler(parsed.data, request, reply);
    return { code: 200, ...result };
  };
  app.post(`${spec.path}.json`, serve);
  app.post(spec.path, serve);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`)
    .join('; ');
}
