import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appSchema } from '../../src/config.js';
import { AppRegistry } from '../../src/core/apps.js';
import { issueToken, readToken } from '../../src/core/tokens.js';

const appA = appSchema.parse({ appKey: 'app-a', appSecret: 'secret-of-a' });
const appB = appSchema.parse({ appKey: 'app-b', appSecret: 'secret-of-b' });
const registry = new AppRegistry([appA, appB]);
const claims = { appKey: 'app-a', userId: 'alice', issuedAt: 1_700_000_000_123 };

/** Replaces the character at `index` with a different base64url character. */
function flipChar(value: string, index: number): string {
  const replacement = value[index] === 'A' ? 'B' : 'A';
  return value.slice(0, index) + replacement + value.slice(index + 1);
}

describe('issueToken / readToken', () => {
  it('round-trips the claims', () => {
    expect(readToken(issueToken(appA.appSecret, claims), registry)).toEqual(claims);
  });

  it('round-trips non-ASCII user ids', () => {
    const unicode = { ...claims, userId: 'ユーザー-1' };
    expect(readToken(issueToken(appA.appSecret, unicode), registry)).toEqual(unicode);
  });

  it('stays under 256 bytes for a 64-byte userId and a 64-char appKey', () => {
    const longApp = appSchema.parse({ appKey: 'k'.repeat(64), appSecret: 's'.repeat(128) });
    const longClaims = { appKey: longApp.appKey, userId: 'u'.repeat(64), issuedAt: Date.now() };
    const token = issueToken(longApp.appSecret, longClaims);
    expect(Buffer.byteLength(token, 'utf8')).toBeLessThan(256);
    expect(readToken(token, new AppRegistry([longApp]))).toEqual(longClaims);
  });

  it('refuses a token whose payload was changed', () => {
    const token = issueToken(appA.appSecret, claims);
    const [, signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify(['app-a', 'mallory', claims.issuedAt])).toString('base64url');
    expect(readToken(`${forgedPayload}.${signature}`, registry)).toBeUndefined();
    expect(readToken(flipChar(token, 0), registry)).toBeUndefined();
  });

  it('refuses a token whose signature was changed', () => {
    const token = issueToken(appA.appSecret, claims);
    const dot = token.indexOf('.');
    expect(readToken(flipChar(token, dot + 1), registry)).toBeUndefined();
    expect(readToken(token.slice(0, -1), registry)).toBeUndefined();
    expect(readToken(`${token}A`, registry)).toBeUndefined();
  });

  it("refuses a token signed with app A's secret that names app B", () => {
    const token = issueToken(appA.appSecret, { ...claims, appKey: 'app-b' });
    expect(readToken(token, registry)).toBeUndefined();
    // The same claims signed by B itself are accepted: the refusal is about the key.
    expect(readToken(issueToken(appB.appSecret, { ...claims, appKey: 'app-b' }), registry)).toEqual({
      ...claims,
      appKey: 'app-b',
    });
  });

  it('refuses a token of an unknown app', () => {
    const token = issueToken('whatever', { ...claims, appKey: 'app-unknown' });
    expect(readToken(token, registry)).toBeUndefined();
  });

  it.each(['', '.', 'abc', 'abc.', '.abc', 'a.b.c', 'not a token at all', '!!!.???'])(
    'refuses the garbage string %j',
    (garbage) => {
      expect(readToken(garbage, registry)).toBeUndefined();
    },
  );

  it('refuses a correctly signed payload that is not the [appKey, userId, issuedAt] triple', () => {
    // Sign exactly as tokens are signed (HMAC-SHA256 of the payload text, keyed by the app secret)
    // so that only the shape of the claims can make readToken refuse.
    const signed = (value: unknown) => {
      const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${payload}.${createHmac('sha256', appA.appSecret).update(payload).digest('base64url')}`;
    };
    expect(readToken(signed(['app-a', 'alice', 1]), registry)).toEqual({ appKey: 'app-a', userId: 'alice', issuedAt: 1 });
    expect(readToken(signed({ appKey: 'app-a', userId: 'alice', issuedAt: 1 }), registry)).toBeUndefined();
    expect(readToken(signed(['app-a', 'alice']), registry)).toBeUndefined();
    expect(readToken(signed(['app-a', 'alice', '1']), registry)).toBeUndefined();
    expect(readToken(signed(['app-a', 7, 1]), registry)).toBeUndefined();
  });
});
