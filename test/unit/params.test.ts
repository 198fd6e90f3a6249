import { describe, expect, it } from 'vitest';
import { flag, id, integer, list, requiredText, text } from '../../src/http/params.js';

describe('text', () => {
  it('counts UTF-8 bytes, not characters', () => {
    // 'é' is 2 bytes in UTF-8.
    expect(text(4).parse('éé')).toBe('éé');
    expect(text(4).safeParse('ééa').success).toBe(false);
  });

  it('accepts empty text and takes numbers and booleans as their text', () => {
    expect(text(8).parse('')).toBe('');
    expect(text(8).parse(42)).toBe('42');
    expect(text(8).parse(true)).toBe('true');
  });

  it('refuses a repeated key', () => {
    expect(text(8).safeParse(['a', 'b']).success).toBe(false);
  });
});

describe('requiredText', () => {
  it('refuses empty text and text over the byte limit', () => {
    expect(requiredText(3).safeParse('').success).toBe(false);
    expect(requiredText(3).safeParse('abcd').success).toBe(false);
    expect(requiredText(3).parse('abc')).toBe('abc');
  });
});

describe('id', () => {
  it('refuses an empty id', () => {
    expect(id.safeParse('').success).toBe(false);
  });

  it('accepts 64 bytes', () => {
    expect(id.parse('a'.repeat(64))).toBe('a'.repeat(64));
  });

  it('refuses 65 bytes', () => {
    expect(id.safeParse('a'.repeat(65)).success).toBe(false);
  });

  it('refuses 65 bytes written in fewer than 64 characters', () => {
    const value = `${'é'.repeat(32)}a`; // 33 characters, 65 bytes
    expect(value.length).toBeLessThan(64);
    expect(id.safeParse(value).success).toBe(false);
  });

  it('takes a numeric id as its decimal text', () => {
    expect(id.parse(12345)).toBe('12345');
  });

  it('refuses a missing value', () => {
    expect(id.safeParse(undefined).success).toBe(false);
  });
});

describe('flag', () => {
  it.each(['1', 'true', 1, true])('reads %j as true', (value) => {
    expect(flag.parse(value)).toBe(true);
  });

  it.each(['0', 'false', 0, false])('reads %j as false', (value) => {
    expect(flag.parse(value)).toBe(false);
  });

  it.each(['yes', 'no', 2, 'TRUE ', null])('refuses %j', (value) => {
    expect(flag.safeParse(value).success).toBe(false);
  });
});

describe('integer', () => {
  it('coerces decimal text', () => {
    expect(integer.parse('42')).toBe(42);
    expect(integer.parse('-7')).toBe(-7);
  });

  it('accepts a number', () => {
    expect(integer.parse(1_700_000_000_000)).toBe(1_700_000_000_000);
  });

  it.each(['4x', '', '1.5', 'abc'])('refuses the text %j', (value) => {
    expect(integer.safeParse(value).success).toBe(false);
  });

  it('refuses a fractional number', () => {
    expect(integer.safeParse(1.5).success).toBe(false);
  });
});

describe('list', () => {
  it('wraps a single value', () => {
    expect(list(id).parse('alice')).toEqual(['alice']);
  });

  it('accepts repeated keys as an array', () => {
    expect(list(id).parse(['alice', 'bob'])).toEqual(['alice', 'bob']);
  });

  it('validates each item', () => {
    expect(list(id).safeParse(['alice', '']).success).toBe(false);
    expect(list(id).safeParse(['alice', 'a'.repeat(65)]).success).toBe(false);
  });

  it('enforces max', () => {
    expect(list(id, { max: 2 }).parse(['a', 'b'])).toEqual(['a', 'b']);
    expect(list(id, { max: 2 }).safeParse(['a', 'b', 'c']).success).toBe(false);
  });

  it('refuses a missing or empty value', () => {
    expect(list(id).safeParse(undefined).success).toBe(false);
    expect(list(id).safeParse('').success).toBe(false);
    expect(list(id).safeParse([]).success).toBe(false);
  });

  it('keeps a comma-joined value whole unless asked to split', () => {
    expect(list(text(64)).parse('a,b,c')).toEqual(['a,b,c']);
  });

  it('splits a comma-joined value with commaJoined', () => {
    expect(list(id, { commaJoined: true }).parse('a,b,c')).toEqual(['a', 'b', 'c']);
    expect(list(id, { commaJoined: true }).parse(['a,b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(list(id, { commaJoined: true }).parse('a,,b,')).toEqual(['a', 'b']);
  });

  it('counts repeated items toward max, then keeps each once', () => {
    expect(list(id, { max: 3 }).parse(['a', 'a', 'b'])).toEqual(['a', 'b']);
    expect(list(id, { max: 3 }).safeParse(['a', 'a', 'a', 'b']).success).toBe(false);
  });

  it('enforces max after splitting', () => {
    expect(list(id, { max: 2, commaJoined: true }).safeParse('a,b,c').success).toBe(false);
  });
});
