import { parse as parseQueryString } from 'node:querystring';
import formBody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { jsonDepth, maxJsonDepth } from '../core/input-rules.js';
import { ParleyError } from '../errors.js';
import { isV2Path } from './route.js';

/**
 * Form bodies as RongCloud SDKs send them: repeated keys become arrays, keys like
 * `chatroom[id]` are kept verbatim for the route to read, and there is no cap on the
 * number of keys (1,000 recipients plus the other fields must all arrive).
 */
export function parseForm(body: string): Record<string, string | string[]> {
  return { ...parseQueryString(body, '&', '=', { maxKeys: 0 }) } as Record<string, string | string[]>;
}

/** A body that does not parse as JSON (1002); its own class so a dialect can tell it apart (Tencent IM's 90001, 10011). */
export class BodyNotJson extends ParleyError {
  constructor() {
    super('badParameter', 'body: not valid JSON');
  }
}

/**
 * A JSON body, refused (1002) when nested deeper than anything a request needs: the depth is
 * counted before parsing, so no later step (validation, serialising content) can recurse
 * into a hostile body.
 */
export function parseJsonBody(text: string): unknown {
  if (jsonDepth(text) > maxJsonDepth) throw new ParleyError('badParameter', `body: JSON nested deeper than ${maxJsonDepth} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyNotJson();
  }
}

export async function registerBodyParsers(app: FastifyInstance): Promise<void> {
  await app.register(formBody, { parser: parseForm });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (String(body).trim() === '') {
      // The Go SDK's `/v2` calls without a body (a join's POST, DELETEs) still say `Content-Type: application/json`.
      return isV2Path(request.url) ? done(null, {}) : done(new ParleyError('noPostData'));
    }
    try {
      done(null, parseJsonBody(String(body)));
    } catch (err) {
      done(err as Error);
    }
  });
  // Some SDKs post form bodies with no Content-Type, or a generic one (docs/server-api.md).
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (!text.trimStart().startsWith('{')) return done(null, parseForm(text));
    try {
      done(null, parseJsonBody(text));
    } catch {
      done(new ParleyError('badParameter', 'body is neither a form nor JSON'));
    }
  });
}
