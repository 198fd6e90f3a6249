import { createHmac, timingSafeEqual } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { z } from 'zod';

/** The fields of a TLS signature v2 document (what `tls-sig-api-v2` deflates). */
const sigDocument = z.object({
  'TLS.ver': z.literal('2.0'),
  'TLS.identifier': z.string(),
  'TLS.sdkappid': z.number().int(),
  'TLS.time': z.number().int(),
  'TLS.expire': z.number().int(),
  'TLS.userbuf': z.string().optional(),
  'TLS.sig': z.string(),
});

export type UserSigProblem = 'malformed' | 'badSignature' | 'expired' | 'otherIdentifier' | 'otherApp';

/** The largest UserSig read: real ones are a few hundred bytes; this bounds the inflate. */
const maxUserSigLength = 4096;

/**
 * Checks a UserSig as Tencent's TLS signature v2 defines it: the base64 text with `+/=`
 * written `*-_`, of a zlib-deflated JSON document whose `TLS.sig` is the base64
 * HMAC-SHA256, under the app's secret key, of the lines `TLS.identifier:…`,
 * `TLS.sdkappid:…`, `TLS.time:…`, `TLS.expire:…` (and `TLS.userbuf:…` when present).
 * Answers the first problem found, or undefined for a signature valid now for
 * `identifier` in `sdkAppId`.
 */
export function checkUserSig(userSig: string, expected: { identifier: string; sdkAppId: number; secretKey: string; nowSeconds: number }): UserSigProblem | undefined {
  const doc = readDocument(userSig);
  if (!doc) return 'malformed';
  let lines = `TLS.identifier:${doc['TLS.identifier']}\nTLS.sdkappid:${doc['TLS.sdkappid']}\nTLS.time:${doc['TLS.time']}\nTLS.expire:${doc['TLS.expire']}\n`;
  if (doc['TLS.userbuf'] !== undefined) lines += `TLS.userbuf:${doc['TLS.userbuf']}\n`;
  const computed = createHmac('sha256', expected.secretKey).update(lines, 'utf8').digest();
  const given = Buffer.from(doc['TLS.sig'], 'base64');
  if (given.length !== computed.length || !timingSafeEqual(given, computed)) return 'badSignature';
  if (doc['TLS.sdkappid'] !== expected.sdkAppId) return 'otherApp';
  if (doc['TLS.identifier'] !== expected.identifier) return 'otherIdentifier';
  if (doc['TLS.time'] + doc['TLS.expire'] < expected.nowSeconds) return 'expired';
  return undefined;
}

function readDocument(userSig: string): z.infer<typeof sigDocument> | undefined {
  if (userSig.length === 0 || userSig.length > maxUserSigLength) return undefined;
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  try {
    const json = inflateSync(Buffer.from(base64, 'base64'), { maxOutputLength: 64 * 1024 }).toString('utf8');
    const parsed = sigDocument.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
