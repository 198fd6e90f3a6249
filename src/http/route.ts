import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { App } from '../core/apps.js';
import { findBadInput } from '../core/input-rules.js';
import { ParleyError } from '../errors.js';
import { v1Schema, v2Schema, v4Schema } from './route-schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec<S extends z.ZodType> {
  /** v1: the path without `.json` (both forms are served); v2: a Fastify path with `:params`. */
  path: string;
  summary: string;
  body: S;
  /** Set for the `/v2` REST family (`rest()`); v1 and v4 routes are POST only. */
  method?: HttpMethod;
  /** The exact path to post to: set for Nexconn's `/v4` routes (`nexconn()`), which have no `.json` form. */
  exactPath?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The app whose signature this request carries (set before any signed route runs). */
    imApp: App;
  }
  interface FastifyInstance {
    /** Every signed route of this app with its request schema (the fuzz tests walk it). */
    routeCatalog: RouteSpec<z.ZodType>[];
  }
}

export type Handler<S extends z.ZodType> = (
  input: z.infer<S>,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<Record<string, unknown>>;

/** The success code of RongCloud's `/v2` REST family (the Go SDK accepts 10000 or 200). */
export const v2SuccessCode = 10000;

/** `/v2/…` paths answer errors as `{"code":N,"msg":"…"}` (docs/server-api.md "Ultra groups: the `/v2` REST family"). */
export const isV2Path = (url: string) => url.startsWith('/v2/');

/**
 * Registers a signed RongCloud-style POST route: the body is parsed with `spec.body`
 * (bad input, or text Postgres cannot store → 1002 naming the field, nothing done), the
 * handler's object is answered as `{"code":200, …}`.
 */
export function post<S extends z.ZodType>(app: FastifyInstance, spec: RouteSpec<S>, handler: Handler<S>): void {
  app.routeCatalog.push(spec);
  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await handler(parse(spec.body, request.body), request, reply);
    return { code: 200, ...result };
  };
  const schema = v1Schema(spec);
  app.post(`${spec.path}.json`, { schema }, serve);
  // The path without `.json` is the same route: the document names it once.
  app.post(spec.path, { schema: { ...schema, hide: true } }, serve);
}

/**
 * Registers a signed route of the `/v2` REST family (GET, POST, PUT, DELETE; JSON
 * bodies, snake_case fields): path parameters, query and body are merged into one
 * object parsed by `spec.body` (bad input → 1002, nothing done); the handler's object is
 * answered as `{"code":10000,"msg":"success", …}`.
 */
export function rest<S extends z.ZodType>(app: FastifyInstance, spec: RouteSpec<S> & { method: HttpMethod }, handler: Handler<S>): void {
  app.routeCatalog.push(spec);
  app.route({
    method: spec.method,
    url: spec.path,
    schema: v2Schema(spec),
    handler: async (request, reply) => {
      const input = { ...asObject(request.query), ...asObject(request.body), ...asObject(request.params) };
      const result = await handler(parse(spec.body, input), request, reply);
      return { code: v2SuccessCode, msg: 'success', ...result };
    },
  });
}

/**
 * Registers a signed route of Nexconn's v4 JSON API (docs/nexconn-v4.md): the JSON body is
 * parsed with `spec.body` like a v1 body (bad input → 400 `{code:1002,errorMessage}`, nothing
 * done), the handler's object is answered as `{"code":0,"result":{…}}`. Refusals keep the v1
 * body `{code, errorMessage}` and HTTP status of the one catalog (src/errors.ts).
 */
export function nexconn<S extends z.ZodType>(app: FastifyInstance, spec: RouteSpec<S>, handler: Handler<S>): void {
  app.routeCatalog.push({ ...spec, exactPath: true });
  app.post(spec.path, { schema: v4Schema(spec) }, async (request, reply) => {
    const result = await handler(parse(spec.body, request.body), request, reply);
    return { code: 0, result };
  });
}

/** `input` as `schema` reads it, or a 400 (1002) naming the field; the input rules checked after. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new ParleyError('badParameter', describeIssues(parsed.error));
  // After parsing, so values decoded from JSON text (extraKeyVal) are checked too.
  const bad = findBadInput(parsed.data);
  if (bad) throw new ParleyError('badParameter', `${bad.path || 'body'}: ${bad.problem}`);
  return parsed.data;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`)
    .join('; ');
}
