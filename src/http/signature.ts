import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { App, AppRegistry } from '../core/apps.js';
import { ParleyError } from '../errors.js';

/** Reads a signing header under its plain or `RC-` name (SERVER-API.md §2). */
function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name] ?? request.headers[`rc-${name}`];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks `Signature == hex(sha1(appSecret + Nonce + Timestamp))` over the raw header
 * strings and returns the app. Freshness is checked only when the app sets
 * `signatureMaxAgeSeconds`; the timestamp may then be in seconds or milliseconds.
 */
export function verifySignature(request: FastifyRequest, apps: AppRegistry, now: number): App {
  const appKey = header(request, 'app-key');
  const nonce = header(request, 'nonce');
  const timestamp = header(request, 'timestamp');
  const signature = header(request, 'signature');
  if (!appKey || nonce === undefined || timestamp === undefined || !signature) {
    throw new ParleyError('badSignature', 'missing App-Key, Nonce, Timestamp or Signature header');
  }
  const app = apps.get(appKey);
  // An unknown key is refused like a wrong signature, after the same work, so that the
  // answer does not tell which app keys exist.
  const expected = Buffer.from(createHash('sha1').update((app?.appSecret ?? '') + nonce + timestamp, 'utf8').digest('hex'));
  const given = Buffer.from(signature.toLowerCase());
  const matches = expected.length === given.length && timingSafeEqual(expected, given);
  if (!app || !matches) throw new ParleyError('badSignature');
  if (app.signatureMaxAgeSeconds !== undefined && !isFresh(timestamp, now, app.signatureMaxAgeSeconds)) {
    throw new ParleyError('badSignature', 'Timestamp outside the allowed window');
  }
  return app;
}

function isFresh(timestamp: string, now: number, maxAgeSeconds: number): boolean {
  if (!/^\d+$/.test(timestamp)) return false;
  const value = Number(timestamp);
  // Ten or fewer digits is seconds (good until 2286); more is milliseconds.
  const ms = timestamp.length <= 10 ? value * 1000 : value;
  return Math.abs(now - ms) <= maxAgeSeconds * 1000;
}
