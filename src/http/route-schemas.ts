import { z } from 'zod';
import { errorResponses, signedRouteErrors, signedSecurity, success } from './openapi.js';
import type { HttpMethod, RouteSpec } from './route.js';

/** Groups routes in the document (and in `/docs`) by their first path segment. */
const tagOf = (path: string) => path.split('/').find((segment) => segment !== '' && !/^v\d$/.test(segment)) ?? 'other';

/** A v1 route's schema for the document: form or JSON body, `{"code":200, …}` (src/http/body-parsers.ts reads both). */
export function v1Schema(spec: RouteSpec<z.ZodType>) {
  return {
    summary: spec.summary,
    tags: [tagOf(spec.path)],
    security: signedSecurity,
    consumes: ['application/x-www-form-urlencoded', 'application/json'],
    body: spec.body,
    response: { 200: success('v1'), ...errorResponses(signedRouteErrors) },
  };
}

/** A Nexconn v4 route's schema for the document: a JSON body, `{"code":0,"result":{…}}` (src/http/route.ts `nexconn()`). */
export function v4Schema(spec: RouteSpec<z.ZodType>) {
  return {
    summary: spec.summary,
    tags: ['nexconn-v4'],
    security: signedSecurity,
    consumes: ['application/json'],
    body: spec.body,
    response: { 200: success('v4'), ...errorResponses(signedRouteErrors) },
  };
}

/**
 * A `/v2` route's schema for the document: the one schema that validates the merged
 * input is split into path parameters and the rest, a query for GET and a JSON body otherwise.
 */
export function v2Schema(spec: RouteSpec<z.ZodType> & { method: HttpMethod }) {
  const names = [...spec.path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
  const { params, fields } = splitFields(spec.body, names);
  return {
    summary: spec.summary,
    tags: [tagOf(spec.path)],
    security: signedSecurity,
    ...(params && { params }),
    ...(fields && (spec.method === 'GET' ? { querystring: fields } : { body: fields, consumes: ['application/json'] })),
    response: { 200: success('v2'), ...errorResponses(signedRouteErrors.filter((kind) => kind !== 'noPostData'), 'v2') },
  };
}

function splitFields(schema: z.ZodType, names: string[]): { params?: z.ZodType; fields?: z.ZodType } {
  // Every /v2 route's schema is an object today; anything else is described whole.
  if (!(schema instanceof z.ZodObject)) return { fields: schema };
  // A mask of string keys: zod's mask type also forbids numeric keys, which names never are.
  const inPath = Object.fromEntries(names.filter((name) => name in schema.shape).map((name) => [name, true])) as Record<string, true> & Record<number, never>;
  const rest = schema.omit(inPath);
  return {
    ...(Object.keys(inPath).length > 0 && { params: schema.pick(inPath) }),
    ...(Object.keys(rest.shape).length > 0 && { fields: rest }),
  };
}
