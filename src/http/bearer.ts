import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * An `onRequest` check of `Authorization: Bearer <token>`: anything else is answered 401.
 * Compared as SHA-256 digests in constant time, so neither the token's characters nor its
 * length show in how long a refusal takes.
 */
export function requireBearer(token: string, refusal: string) {
  const expected = digest(`Bearer ${token}`);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) return;
    return reply.status(401).header('www-authenticate', 'Bearer').send({ code: 401, errorMessage: refusal });
  };
}
