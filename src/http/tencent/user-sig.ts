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

/** What a UserSig is checked against. */
export interface UserSigExpectation {
  identifier: string;
  sdkAppId: number;
  secretKey: string;
  nowSeconds: number;
}

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
export function checkUserSig(userSig: string, expected: UserSigExpectation): UserSigProblem | undefined {
  return verify(userSig, expected).problem;
}

/** The check, and for a valid UserSig the second it expires (`TLS.time + TLS.expire`). */
function verify(userSig: string, expected: UserSigExpectation): { problem: UserSigProblem; expiresAt?: undefined } | { problem: undefined; expiresAt: number } {
  const doc = readDocument(userSig);
  if (!doc) return { problem: 'malformed' };
  let lines = `TLS.identifier:${doc['TLS.identifier']}\nTLS.sdkappid:${doc['TLS.sdkappid']}\nTLS.time:${doc['TLS.time']}\nTLS.expire:${doc['TLS.expire']}\n`;
  if (doc['TLS.userbuf'] !== undefined) lines += `TLS.userbuf:${doc['TLS.userbuf']}\n`;
  const computed = createHmac('sha256', expected.secretKey).update(lines, 'utf8').digest();
  const given = Buffer.from(doc['TLS.sig'], 'base64');
  if (given.length !== computed.length || !timingSafeEqual(given, computed)) return { problem: 'badSignature' };
  if (doc['TLS.sdkappid'] !== expected.sdkAppId) return { problem: 'otherApp' };
  if (doc['TLS.identifier'] !== expected.identifier) return { problem: 'otherIdentifier' };
  const expiresAt = doc['TLS.time'] + doc['TLS.expire'];
  if (expiresAt < expected.nowSeconds) return { problem: 'expired' };
  return { problem: undefined, expiresAt };
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

/**
 * `checkUserSig` remembering the UserSigs it found valid: a backend signs once and calls many
 * times with one UserSig, and the inflate, parse and HMAC of a check took some 45 µs on the
 * bench machine, so a repeat is a map lookup instead. A remembered one is taken only for the
 * same identifier, SDKAppID and key (a rotated key checks afresh), and its expiry is checked
 * on every call. Refused UserSigs are not remembered, and at most `max` are, oldest dropped first.
 */
export function createUserSigChecker(max = 1024): (userSig: string, expected: UserSigExpectation) => UserSigProblem | undefined {
  const valid = new Map<string, { identifier: string; sdkAppId: number; secretKey: string; expiresAt: number }>();
  return (userSig, expected) => {
    const known = valid.get(userSig);
    if (known && known.identifier === expected.identifier && known.sdkAppId === expected.sdkAppId && known.secretKey === expected.secretKey) {
      return known.expiresAt < expected.nowSeconds ? 'expired' : undefined;
    }
    const checked = verify(userSig, expected);
    if (checked.problem) return checked.problem;
    if (valid.size >= max) valid.delete(valid.keys().next().value!);
    valid.set(userSig, { identifier: expected.identifier, sdkAppId: expected.sdkAppId, secretKey: expected.secretKey, expiresAt: checked.expiresAt });
    return undefined;
  };
}

