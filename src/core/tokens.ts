import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppRegistry } from './apps.js';

export interface TokenClaims {
  appKey: string;
  userId: string;
  /** Epoch ms; compared with the user's `tokensValidAfter`. */
  issuedAt: number;
}

/**
 * Opaque, app-scoped tokens: `base64url(JSON [appKey, userId, issuedAt]) "." base64url(HMAC-SHA256)`
 * keyed by the app's secret. Nothing is stored per token; revocation is a per-user
 * "valid after" instant. Under 256 bytes for the longest ids.
 */
export function issueToken(appSecret: string, claims: TokenClaims): string {
  const payload = Buffer.from(JSON.stringify([claims.appKey, claims.userId, claims.issuedAt])).toString('base64url');
  return `${payload}.${sign(appSecret, payload)}`;
}

/** The claims of a well-formed token signed by the app it names; undefined otherwise. */
export function readToken(token: string, apps: AppRegistry): TokenClaims | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return undefined;
  const payload = token.slice(0, dot);
  const claims = parseClaims(payload);
  if (!claims) return undefined;
  const app = apps.get(claims.appKey);
  if (!app) return undefined;
  const expected = Buffer.from(sign(app.appSecret, payload));
  const given = Buffer.from(token.slice(dot + 1));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  return claims;
}

function sign(appSecret: string, payload: string): string {
  return createHmac('sha256', appSecret).update(payload).digest('base64url');
}

function parseClaims(payload: string): TokenClaims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      typeof value[2] === 'number'
    ) {
      return { appKey: value[0], userId: value[1], issuedAt: value[2] };
    }
  } catch {
    // Not base64url JSON: not one of our tokens.
  }
  return undefined;
}
