/**
 * Rules every piece of outside input passes, whichever transport brought it (REST body,
 * WebSocket frame, message content): one definition so that the transports cannot drift.
 */

/** JSON deeper than this is refused before anything recursive (serialising, walking) touches it. */
export const maxJsonDepth = 64;

/**
 * userId, groupId, chatroomId, targetId: 1–64 letters, digits and `+ | = - _`, as RongCloud
 * allows; the same rule on REST and WebSocket.
 */
export const idPattern = /^[A-Za-z0-9+|=_-]{1,64}$/;

export function isId(value: string): boolean {
  return idPattern.test(value);
}

/**
 * The nesting depth of `text` read as JSON (brackets outside strings), without parsing it;
 * stops counting once past `limit`. Iterative, so any input is safe.
 */
export function jsonDepth(text: string, limit = maxJsonDepth): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** True for JSON text nested deeper than `maxJsonDepth` (other text, JSON or not, passes). */
export function isTooDeepJson(text: string): boolean {
  if (jsonDepth(text) <= maxJsonDepth) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false; // not JSON: opaque text, never walked
  }
}

/**
 * Text Postgres cannot keep as given: a NUL character (refused in `text` and `jsonb`) or a
 * lone UTF-16 surrogate (refused in `jsonb`, silently replaced in `text`).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/**
 * The path (`a.b.0`) of the first string or key in `value` that is not storable text, or of
 * the first container nested deeper than `maxJsonDepth`; undefined when all is well.
 * Iterative, so a hostile value cannot exhaust the stack.
 */
export function findBadInput(value: unknown): { path: string; problem: string } | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (!isStorableText(item.value)) return { path: item.path, problem: 'holds a NUL character or an unpaired surrogate' };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= maxJsonDepth) return { path: item.path, problem: `nested deeper than ${maxJsonDepth} levels` };
    for (const [key, child] of Object.entries(item.value)) {
      const path = item.path === '' ? key : `${item.path}.${key}`;
      if (!isStorableText(key)) return { path, problem: 'key holds a NUL character or an unpaired surrogate' };
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return undefined;
}
