import { sign, type KeyObject } from 'node:crypto';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A signed JWT (RFC 7519): ES256 for APNs provider tokens (the raw r||s signature JOSE
 * wants, not DER), RS256 for Google's service-account assertions.
 */
export function signJwt(alg: 'ES256' | 'RS256', header: Record<string, string>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${base64url({ alg, ...header })}.${base64url(claims)}`;
  const signature = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}
