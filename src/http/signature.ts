import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { App, AppRegistry } from '../core/apps.js';
import { ParleyError } from '../errors.js';
import type { SignedCalls } from '../core/signed-calls.js';

/** Reads a signing header under its plain or `RC-` name (docs/server-api.md). */
function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name] ?? request.headers[`rc-${name}`];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks `Signature == hex(sha1(appSecret + Nonce + Timestamp))` over the raw header
 * strings, then that the call is fresh and not a replay (`SignedCalls`), and returns the app.
 */
export async function verifySignature(request: FastifyRequest, apps: AppRegistry, signedCalls: Pick<SignedCalls, 'admit'>): Promise<App> {
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
  try {
    await signedCalls.admit(app, nonce, timestamp);
  } catch (err) {
    throw withSdkHint(request, err);
  }
  return app;
}

/** The official Node SDK signs once when it starts: its refusals say what its users must set (docs/server-api.md "Signing"). */
function withSdkHint(request: FastifyRequest, err: unknown): unknown {
  const agent = request.headers['user-agent'] ?? '';
  if (!(err instanceof ParleyError) || err.kind !== 'badSignature' || !agent.startsWith('rc-nodejs-sdk/')) return err;
  return new ParleyError('badSignature', `${err.message} (the official Node SDK signs once at start: set the app's signatureMaxAgeSeconds to 0)`);
}
