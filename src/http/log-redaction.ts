import type { FastifyRequest } from 'fastify';

/** Query parameters that carry a credential: a signed link's signature, a device token. */
const secretParameters = ['signature', 'token', 'usersig'];

/** `url` with the values of credential parameters replaced, for logs. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const params = new URLSearchParams(url.slice(query + 1));
  let redacted = false;
  for (const name of [...params.keys()]) {
    if (secretParameters.includes(name.toLowerCase())) {
      params.set(name, '[redacted]');
      redacted = true;
    }
  }
  return redacted ? `${url.slice(0, query)}?${params.toString()}` : url;
}

/** Fastify's request log fields, with credentials in the URL redacted (signed download links). */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
