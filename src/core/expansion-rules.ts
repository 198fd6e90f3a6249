import { ParleyError } from '../errors.js';

/*
 * The rules of message expansion keys and values (docs/server-api.md "Message expansion"),
 * shared by a send that carries initial key/values and by later changes.
 */

/** RongCloud's limits on message expansion. */
export const expansionLimits = { keysPerCall: 100, keysPerMessage: 300, keyLength: 32, valueLength: 4096, pageSize: 300 } as const;

const keyPattern = /^[A-Za-z0-9+=_-]+$/;

/**
 * The key/values a message is sent with (`extraContent` with `expansion`), as stored:
 * held to the same rules as a later set; JSON text of `{"key":{"v","ts"}}`.
 */
export function initialExpansion(values: Readonly<Record<string, string>> | undefined, now: number): string {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return '{}';
  checkValues('extraContent', entries);
  return JSON.stringify(Object.fromEntries(entries.map(([key, v]) => [key, { v, ts: now }])));
}

export function checkValues(field: string, entries: ReadonlyArray<readonly [string, string]>): void {
  checkKeys(field, entries.map(([key]) => key));
  const long = entries.find(([, value]) => value.length > expansionLimits.valueLength);
  if (long) throw new ParleyError('badParameter', `${field}: the value of "${long[0]}" is longer than ${expansionLimits.valueLength} characters`);
}

export function checkKeys(field: string, keys: readonly string[]): void {
  if (keys.length === 0) throw new ParleyError('badParameter', `${field}: needs at least one key`);
  if (keys.length > expansionLimits.keysPerCall) throw new ParleyError('badParameter', `${field}: more than ${expansionLimits.keysPerCall} keys in one call`);
  const bad = keys.find((key) => key.length > expansionLimits.keyLength || !keyPattern.test(key));
  if (bad !== undefined) {
    throw new ParleyError('badParameter', `${field}: key "${bad}" must be 1–${expansionLimits.keyLength} letters, digits or + = - _`);
  }
}

/** A change of a message's key/values: the keys set, with their values, or the keys removed. */
export type KeyValueChange = { put: Readonly<Record<string, string>> } | { del: readonly string[] };

/**
 * A change as RongCloud's callbacks carry RC:MsgExMsg: `{"clear":0,"put":{key:value}}` or
 * `{"clear":0,"del":{key:""}}` (Parley removes keys one by one: never `clear` 1).
 */
export function rongCloudChangeText(change: KeyValueChange): string {
  return JSON.stringify({ clear: 0, ...('put' in change ? { put: change.put } : { del: Object.fromEntries(change.del.map((key) => [key, ''])) }) });
}

/** A change in RongCloud's shape read back (an app's pre-send answer); throws when it is not one. */
export function parseRongCloudChange(text: string): KeyValueChange {
  const parsed = JSON.parse(text) as { clear?: unknown; put?: unknown; del?: unknown };
  const isStrings = (value: unknown): value is Record<string, string> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
  if (parsed.clear === 1) throw new Error('"clear": 1 (remove every key) is not a change Parley makes');
  if (isStrings(parsed.put)) return { put: parsed.put };
  if (isStrings(parsed.del)) return { del: Object.keys(parsed.del) };
  throw new Error('an expansion change needs "put" or "del", an object of strings');
}
