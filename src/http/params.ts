import { z } from 'zod';
import { idPattern } from '../core/input-rules.js';

/**
 * Field types for RongCloud wire parameters. Form bodies carry strings (or string
 * arrays for repeated keys); JSON bodies from different SDKs carry the same values
 * as numbers, booleans or strings. Each helper accepts all of those (docs/server-api.md).
 */

const byteLength = (value: string) => Buffer.byteLength(value, 'utf8');

/** A scalar: numbers are taken as their decimal text; a repeated key is an error. */
const scalarText = z.preprocess(
  (value) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value),
  z.string(),
);

/** Text of at most `maxBytes` UTF-8 bytes, possibly empty. */
export const text = (maxBytes: number) =>
  scalarText.refine((value) => byteLength(value) <= maxBytes, { message: `longer than ${maxBytes} bytes` });

/** Required, non-empty text of at most `maxBytes` bytes. */
export const requiredText = (maxBytes: number) =>
  scalarText
    .refine((value) => value.length > 0, { message: 'required' })
    .refine((value) => byteLength(value) <= maxBytes, { message: `longer than ${maxBytes} bytes` });

/**
 * userId, groupId, chatroomId: 1–64 letters, digits and `+ | = - _` (core/input-rules.ts,
 * the rule WebSocket frames share); this also keeps tokens under 256 bytes. A JSON number is
 * taken as an id only when it is a whole number an SDK could have meant as text: `true`,
 * `-1` and `1e308` are not ids.
 */
export const id = z.preprocess(
  (value) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value),
  z.string().regex(idPattern, { message: 'must be 1–64 letters, digits or + | = - _' }),
);

/** Ultra group channel ids: up to 20 letters or digits (docs/server-api.md). */
export const busChannel = text(20).refine((c) => /^[A-Za-z0-9]*$/.test(c), { message: 'may hold only letters and digits' });

/** `1`/`0`, `true`/`false`, as text, number or boolean. */
export const flag = z.preprocess((value) => {
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0 || value === '') return false;
  return value;
}, z.boolean());

/** An integer given as a number or as decimal text. */
export const integer = z.preprocess(
  (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
  z.number().int(),
);

/**
 * A list from repeated keys (`a=1&a=2`), a JSON array, or one value; with
 * `commaJoined`, a single `a,b,c` value is split too. `max` counts the items as sent
 * (RongCloud counts the request, repeats included); a repeated id is then kept once.
 */
export const list = <T extends z.ZodType>(item: T, options: { max?: number; commaJoined?: boolean } = {}) => {
  const items = z.array(item).min(1, { message: 'required' });
  const capped = options.max === undefined ? items : items.max(options.max, { message: `more than ${options.max} items` });
  return z.preprocess(
    (value) => {
      if (value === undefined || value === null || value === '') return undefined;
      const values: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value];
      return options.commaJoined ? values.flatMap((v) => (typeof v === 'string' ? v.split(',').filter((s) => s !== '') : [v])) : values;
    },
    // A repeated id means the same thing once (and would hit one row twice in an upsert).
    capped.transform((all) => [...new Set(all)]),
  );
};

/**
 * A JSON value carried as text (forms: `extraKeyVal={"k":"v"}`) or as itself (JSON
 * bodies, repeated form keys); text that is not JSON is refused naming the field.
 */
export const jsonText = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  }, schema);

/** Expansion key/values `{"key":"value"}`; key and value rules (length, characters, counts) are the core's (core/expansion.ts). */
export const extraKeyVal = jsonText(
  z
    .unknown()
    // A record would drop this key without a word.
    .refine((value) => typeof value !== 'object' || value === null || !Object.hasOwn(value, '__proto__'), { message: 'key "__proto__" is not allowed' })
    .pipe(z.record(z.string(), z.string(), { message: 'must be a JSON object of string values' })),
);

/** One of a few integers (`optType=1`), given as a number or as decimal text. */
export const oneOf = <const T extends readonly [number, ...number[]]>(values: T) =>
  integer.pipe(z.custom<T[number]>((v) => values.includes(v as number), { message: `must be one of ${values.join(', ')}` }));

/** A page number or size of 0…`max`: 0 (or absent) asks for the default, as the Go SDK sends the zeros its caller passed. */
export const pageParam = (max = Number.MAX_SAFE_INTEGER) => integer.pipe(z.number().min(0).max(max)).optional();
