import { createRequire } from 'node:module';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkUserSig, createUserSigChecker } from '../../src/http/tencent/user-sig.js';

/** TLS signature v2 as Tencent's own signer makes it (docs/tencent-im.md "Calls, signatures, answers"). */
interface Signer {
  genUserSig(userId: string, expireSeconds: number): string;
  genPrivateMapKey(userId: string, expireSeconds: number, roomId: number, privileges: number): string;
}
const { Api } = createRequire(import.meta.url)('tls-sig-api-v2') as { Api: new (sdkAppId: number, key: string) => Signer };

const sdkAppId = 1400000123;
const secretKey = 'unit-test-key';
const signer = new Api(sdkAppId, secretKey);
const now = () => Math.floor(Date.now() / 1000);
const check = (userSig: string, changes: Partial<Parameters<typeof checkUserSig>[1]> = {}) =>
  checkUserSig(userSig, { identifier: 'administrator', sdkAppId, secretKey, nowSeconds: now(), ...changes });
/** Tencent's base64url variant: `+/=` written `*-_`. */
const encode = (doc: unknown) => deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
const decode = (userSig: string) => JSON.parse(inflateSync(Buffer.from(userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64')).toString()) as Record<string, unknown>;

describe('checkUserSig', () => {
  it('accepts what tls-sig-api-v2 signs, with or without a userbuf', () => {
    expect(check(signer.genUserSig('administrator', 600))).toBeUndefined();
    expect(check(signer.genPrivateMapKey('administrator', 600, 42, 255))).toBeUndefined();
  });

  it('tells each problem apart', () => {
    expect(check(new Api(sdkAppId, 'another-key').genUserSig('administrator', 600))).toBe('badSignature');
    expect(check(signer.genUserSig('someone', 600))).toBe('otherIdentifier');
    expect(check(new Api(1400000999, secretKey).genUserSig('administrator', 600))).toBe('otherApp');
    expect(check(signer.genUserSig('administrator', 600), { nowSeconds: now() + 601 })).toBe('expired');
    expect(check(signer.genUserSig('administrator', 600), { nowSeconds: now() + 599 })).toBeUndefined();
  });

  it('refuses a document whose signed fields were changed after signing', () => {
    const doc = decode(signer.genUserSig('administrator', 600));
    expect(check(encode({ ...doc, 'TLS.expire': 10 ** 9 }))).toBe('badSignature');
    expect(check(encode({ ...doc, 'TLS.identifier': 'someone' }), { identifier: 'someone' })).toBe('badSignature');
  });

  it('answers malformed, never throws, for what is no UserSig', () => {
    for (const junk of ['', 'abc', 'eJyrVgrxCdYrSy1SslIyUqoFAB0TBCo_', encode({ 'TLS.ver': '1.0' }), encode([1, 2]), 'x'.repeat(5000)]) {
      expect(check(junk)).toBe('malformed');
    }
  });
});

describe('createUserSigChecker', () => {
  it('answers a remembered UserSig as checkUserSig does: expiry on every call, another key or identifier checked afresh, refusals never remembered', () => {
    const checker = createUserSigChecker(2);
    const expected = { identifier: 'administrator', sdkAppId, secretKey, nowSeconds: now() };
    const userSig = signer.genUserSig('administrator', 600);
    expect(checker(userSig, expected)).toBeUndefined();
    expect(checker(userSig, expected)).toBeUndefined();
    expect(checker(userSig, { ...expected, nowSeconds: now() + 601 })).toBe('expired');
    expect(checker(userSig, { ...expected, secretKey: 'rotated-key' })).toBe('badSignature');
    expect(checker(userSig, { ...expected, identifier: 'someone' })).toBe('otherIdentifier');
    const forged = new Api(sdkAppId, 'another-key').genUserSig('administrator', 600);
    expect(checker(forged, expected)).toBe('badSignature');
    expect(checker(forged, expected)).toBe('badSignature');
    // Bounded: two more valid ones push the first out; it is checked afresh, still valid.
    checker(signer.genUserSig('administrator', 601), expected);
    checker(signer.genUserSig('administrator', 602), expected);
    expect(checker(userSig, expected)).toBeUndefined();
  });
});
