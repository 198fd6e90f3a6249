import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { App, AppRegistry } from '../core/apps.js';
import { ParleyError } from '../errors.js';
import type { OnceStore } from '../store/once.js';

/** Reads a signing header under its plain or `RC-` name (docs/server-api.md). */
function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name] ?? request.headers[`rc-${name}`];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks `Signature == hex(sha1(appSecret + Nonce + Timestamp))` over the raw header
 * strings, then that the call is fresh and not a replay (`refuseReplay`), and returns the app.
 */
export async function verifySignature(request: FastifyRequest, apps: AppRegistry, nonces: Pick<OnceStore, 'begin'>, now: number): Promise<App> {
  const app = checkSignature(request, apps);
  await refuseReplay(request, app, nonces, now);
  return app;
}

function checkSignature(request: FastifyRequest, apps: AppRegistry): App {
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
  return app;
}

/**
 * A signed call is good once, within the app's `signatureMaxAgeSeconds` (default 300): its
 * Timestamp (seconds or milliseconds) must be that recent, and its Nonce with that Timestamp
 * not seen before on any node (remembered as long as the Timestamp stays good). 0: no check.
 */
async function refuseReplay(request: FastifyRequest, app: App, nonces: Pick<OnceStore, 'begin'>, now: number): Promise<void> {
  const maxAgeMs = app.signatureMaxAgeSeconds * 1000;
  if (maxAgeMs === 0) return;
  const nonce = header(request, 'nonce')!;
  const timestamp = header(request, 'timestamp')!;
  if (!isFresh(timestamp, now, maxAgeMs)) throw new ParleyError('badSignature', refusal(request, 'Timestamp outside the allowed window'));
  const claim = await nonces.begin(`nonce:${app.appKey}:${nonce}:${timestamp}`, '', now, 2 * maxAgeMs, 2 * maxAgeMs);
  if (claim.state !== 'first') throw new ParleyError('badSignature', refusal(request, 'Nonce already used: a signed call is good once'));
}

/** The official Node SDK signs once when it starts; its users need the window off (docs/server-api.md "Signing"). */
function refusal(request: FastifyRequest, reason: string): string {
  const agent = request.headers['user-agent'] ?? '';
  return agent.startsWith('rc-nodejs-sdk/') ? `${reason} (the official Node SDK signs once at start: set the app's signatureMaxAgeSeconds to 0)` : reason;
}

function isFresh(timestamp: string, now: number, maxAgeMs: number): boolean {
  if (!/^\d+$/.test(timestamp)) return false;
  const value = Number(timestamp);
  // Ten or fewer digits is seconds (good until 2286); more is milliseconds.
  const ms = timestamp.length <= 10 ? value * 1000 : value;
  return Math.abs(now - ms) <= maxAgeMs;
}
