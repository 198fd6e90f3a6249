/**
 * One request of an official server SDK, as it goes on the wire: the method, the path the
 * SDK builds, and the body bytes it encodes (form or JSON), so a replay tests Parley with
 * exactly what the SDK sends. `UID<name>` and `TIME<name>` in a body stand for the
 * messageUID (and its sentTime) of the earlier request captured as `<name>`.
 */
export interface Replay {
  sdk: 'go' | 'java';
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: string;
  contentType: 'form' | 'json';
  /** Remember the message id this request answers with, under this name. */
  capture?: string;
  /** The success code: 200, or 10000 for the `/v2` family. */
  code: number;
}

type Value = string | number | boolean;

/** `application/x-www-form-urlencoded` as Go's url.Values and Java's URLEncoder write it (`+` for spaces). */
export const form = (...pairs: Array<[string, Value]>) => new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, String(v)])).toString();

export const txt = (s: string) => JSON.stringify({ content: s });

/** Both SDKs send this path with the same form fields. */
export const both = (path: string, body: string, options: Partial<Replay> = {}): Replay[] => [
  { sdk: 'go', method: 'POST', path, body, contentType: 'form', code: 200, ...options },
  { sdk: 'java', method: 'POST', path, body, contentType: 'form', code: 200, ...options },
];

export const go = (path: string, body: string | undefined, options: Partial<Replay> = {}): Replay => ({ sdk: 'go', method: 'POST', path, body, contentType: 'form', code: 200, ...options });
export const java = (path: string, body: string | undefined, options: Partial<Replay> = {}): Replay => ({ sdk: 'java', method: 'POST', path, body, contentType: 'form', code: 200, ...options });

/** The Go SDK's `/v2` calls: JSON content type always, snake_case bodies. */
export const v2 = (method: Replay['method'], path: string, body?: Record<string, unknown>): Replay => ({
  sdk: 'go', method, path, contentType: 'json', code: 10000, ...(body && { body: JSON.stringify(body) }),
});
