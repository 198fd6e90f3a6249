import { parse as parseQueryString } from 'node:querystring';
import formBody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
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

export async function registerBodyParsers(app: FastifyInstance): Promise<void> {
  await app.register(formBody, { parser: parseForm });
  // The Go SDK's `/v2` calls without a body (a join's POST, DELETEs) still say `Content-Type: application/json`.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && isV2Path(request.url)) return done(null, {});
    void json(request, String(body), done);
  });
  // Some SDKs post form bodies with no Content-Type, or a generic one (SERVER-API.md §3).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (!text.trimStart().startsWith('{')) return done(null, parseForm(text));
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ParleyError('badParameter', 'body is neither a form nor JSON'));
    }
  });
}
