import type { FastifyError, FastifyInstance } from 'fastify';
import { asParleyError, errorCatalog, ParleyError } from '../errors.js';
import { isV2Path } from './route.js';

/**
 * One mapping from failures to RongCloud bodies `{"code":N,"errorMessage":"…"}`:
 * catalogued errors keep their code; malformed requests caught by Fastify itself are
 * 1002/1003/1005; anything else is a fault, logged, answered 1000 with a generic text.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ParleyError, request, reply) => {
    const known = cataloguedError(error);
    if (!known) {
      request.log.error({ err: error }, 'request failed');
      const spec = errorCatalog.internal;
      return reply.status(spec.status).send(body(request.url, spec.code, spec.message));
    }
    if (known.kind === 'storageTimeout') request.log.warn({ err: error }, 'a store did not answer');
    else request.log.info({ code: known.code, errorMessage: known.message }, 'request refused');
    return reply.status(known.status).send(body(request.url, known.code, known.message));
  });

  app.setNotFoundHandler((request, reply) => {
    const spec = errorCatalog.notFound;
    return reply.status(spec.status).send(body(request.url, spec.code, `no such path: ${request.url}`));
  });
}

/** v1 bodies carry `errorMessage`; the `/v2` family's carry `msg` (what the Go SDK reads). */
function body(url: string, code: number, message: string): Record<string, unknown> {
  return isV2Path(url) ? { code, msg: message } : { code, errorMessage: message };
}

/** The catalogued error for what a route threw or Fastify raised; undefined for a fault (1000). */
export function cataloguedError(error: unknown): ParleyError | undefined {
  return asParleyError(error) ?? fromFastify(error as FastifyError);
}

function fromFastify(error: FastifyError): ParleyError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ParleyError('noPostData');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ParleyError('parameterTooLong', 'request body too large');
    default:
      // Other 4xx raised by Fastify (bad JSON, unsupported media type) are the client's input.
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return new ParleyError('badParameter', error.message);
      }
      return undefined;
  }
}
