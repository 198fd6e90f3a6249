import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { appSchema } from '../config.js';
import { bearerRefusal, bearerSecurity, errorResponses, json } from './openapi.js';
import { parse } from './route.js';

/** The path's app key, with the rule the app schema has for it. */
export const appKeyParams = z.object({ appKey: appSchema.shape.appKey }).strict();

export function appKeyOf(request: FastifyRequest): string {
  return parse(appKeyParams, request.params).appKey;
}

export interface AdminRoute {
  summary: string;
  answer: z.ZodType;
  body?: z.ZodType;
  querystring?: z.ZodType;
  /** False for the paths without an app key. */
  inPath?: boolean;
  /** PUT answers 201 when it made the app. */
  creates?: boolean;
}

/** An admin route's schema for the OpenAPI document (handlers parse their input themselves, docs/admin.md). */
export function adminSchema({ summary, answer, body, querystring, inPath = true, creates = false }: AdminRoute) {
  return {
    summary,
    tags: ['admin'],
    security: bearerSecurity,
    ...(inPath && { params: appKeyParams }),
    ...(body && { body }),
    ...(querystring && { querystring }),
    response: {
      200: json(answer, 'Done'),
      ...(creates && { 201: json(answer, 'Created') }),
      401: bearerRefusal,
      ...errorResponses(['badParameter', 'notFound', 'internal', 'storageTimeout']),
    },
  };
}
