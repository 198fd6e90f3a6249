import { describe, expect, it } from 'vitest';
import { errorCatalog, isParleyError, ParleyError, type ErrorName } from '../../src/errors.js';

const names = Object.keys(errorCatalog) as ErrorName[];

describe('errorCatalog', () => {
  it('gives every entry a unique code', () => {
    const codes = names.map((name) => errorCatalog[name].code);
    const duplicates = codes.filter((code, i) => codes.indexOf(code) !== i);
    expect(duplicates).toEqual([]);
  });

  it('gives every entry an HTTP error status and a message', () => {
    for (const name of names) {
      const spec = errorCatalog[name];
      expect(spec.status, name).toBeGreaterThanOrEqual(400);
      expect(spec.status, name).toBeLessThan(600);
      expect(spec.message.length, name).toBeGreaterThan(0);
    }
  });

  it('keeps the RongCloud codes SDKs rely on', () => {
    expect(errorCatalog.badParameter.code).toBe(1002);
    expect(errorCatalog.badSignature.code).toBe(1004);
    expect(errorCatalog.tokenIncorrect.code).toBe(31004);
  });
});

describe('ParleyError', () => {
  it.each(names)('carries the code, status, retryable flag and default message of %s', (name) => {
    const err = new ParleyError(name);
    expect(err.kind).toBe(name);
    expect(err.code).toBe(errorCatalog[name].code);
    expect(err.status).toBe(errorCatalog[name].status);
    expect(err.retryable).toBe(errorCatalog[name].retryable);
    expect(err.message).toBe(errorCatalog[name].message);
  });

  it('uses the detail as the message but keeps the code', () => {
    const err = new ParleyError('badParameter', 'userId is required');
    expect(err.message).toBe('userId is required');
    expect(err.code).toBe(1002);
    expect(err.status).toBe(400);
  });

  it('is an Error recognised by isParleyError', () => {
    const err = new ParleyError('rateLimited');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ParleyError');
    expect(isParleyError(err)).toBe(true);
    expect(isParleyError(new Error('parameter error'))).toBe(false);
    expect(isParleyError({ code: 1002, status: 400 })).toBe(false);
  });
});

describe('docs/errors.md', () => {
  it('lists every catalogued code with its HTTP status', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const [name, spec] of Object.entries(errorCatalog)) {
      expect(doc, name).toMatch(new RegExp(`^\\| ${spec.code} \\| ${spec.status} \\| ${name} \\|`, 'm'));
    }
  });
});
