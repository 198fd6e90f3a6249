import { createHash, randomInt } from 'node:crypto';

/** Every callback request names Parley (RongCloud's name itself `RongCloud/1.0`). */
export const callbackUserAgent = 'Parley-Callbacks/1.0';

/**
 * The callback URL with RongCloud's signature (docs/callbacks.md "Checking the signature"):
 * `signTimestamp` (ms), `nonce`, `signature = hex(sha1(appSecret + nonce + signTimestamp))`.
 */
export function signedUrl(url: string, appSecret: string, now: number): string {
  const nonce = String(randomInt(1, 2 ** 31 - 1));
  const signTimestamp = String(now);
  const signature = createHash('sha1').update(appSecret + nonce + signTimestamp, 'utf8').digest('hex');
  const signed = new URL(url);
  signed.searchParams.set('signTimestamp', signTimestamp);
  signed.searchParams.set('nonce', nonce);
  signed.searchParams.set('signature', signature);
  return signed.toString();
}
