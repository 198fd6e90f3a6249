import { ParleyError } from '../errors.js';
import { maxContentBytes } from './message-types.js';

/** Bounds on a templated send (SERVER-API.md §9 gives none; these keep one call's work small). */
export const templateLimits = {
  /** Placeholders one recipient's `values` may name. */
  placeholdersPerRecipient: 100,
  /** A filled push content or push data. */
  pushFieldBytes: 4096,
  /** Every recipient's filled content together: what one call may ask the server to build. */
  filledBytesPerSend: 16 * 1024 * 1024,
} as const;

export interface Template {
  /** The content with placeholders (keys of `values`, e.g. `{name}`), a JSON string for `RC:` types. */
  content: string;
  pushContent?: ReadonlyArray<string | null> | undefined;
  pushData?: ReadonlyArray<string | null> | undefined;
}

export interface FilledContent {
  content: string;
  pushContent: string;
  pushData: string;
}

/**
 * One content per recipient, `values[i]` filled into the template for the i-th. Sizes are
 * checked while filling, so an oversized result is refused (1002) before it is built; each
 * placeholder is replaced in one pass, never inside a value inserted for another.
 */
export function fillTemplates(template: Template, values: ReadonlyArray<Readonly<Record<string, string>>>): FilledContent[] {
  let budget = templateLimits.filledBytesPerSend;
  return values.map((recipientValues, i) => {
    const keys = Object.keys(recipientValues).filter((key) => key !== '');
    if (keys.length > templateLimits.placeholdersPerRecipient) {
      throw new ParleyError('badParameter', `values.${i}: more than ${templateLimits.placeholdersPerRecipient} placeholders`);
    }
    const fill = placeholderFiller(keys, recipientValues);
    const content = fill(template.content, jsonEscape, Math.min(maxContentBytes, budget), `content for receiver ${i}`);
    budget -= Buffer.byteLength(content, 'utf8');
    const pushField = (field: 'pushContent' | 'pushData') => fill(template[field]?.[i] ?? '', (v) => v, templateLimits.pushFieldBytes, `${field}.${i}`);
    return { content, pushContent: pushField('pushContent'), pushData: pushField('pushData') };
  });
}

/** JSON-escapes a value spliced into a JSON string template. */
const jsonEscape = (value: string) => JSON.stringify(value).slice(1, -1);

type Fill = (text: string, escape: (value: string) => string, maxBytes: number, what: string) => string;

function placeholderFiller(keys: readonly string[], values: Readonly<Record<string, string>>): Fill {
  if (keys.length === 0) return (text, _escape, maxBytes, what) => checked(text, Buffer.byteLength(text, 'utf8'), maxBytes, what);
  // Longest first, so `{ab}` is not read as `{a}` followed by `b}`.
  const pattern = new RegExp([...keys].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
  return (text, escape, maxBytes, what) => {
    let bytes = Buffer.byteLength(text, 'utf8');
    const filled = text.replace(pattern, (key) => {
      const value = escape(values[key]!);
      bytes += Buffer.byteLength(value, 'utf8') - Buffer.byteLength(key, 'utf8');
      if (bytes > maxBytes) throw tooLarge(what, maxBytes);
      return value;
    });
    return checked(filled, bytes, maxBytes, what);
  };
}

function checked(text: string, bytes: number, maxBytes: number, what: string): string {
  if (bytes > maxBytes) throw tooLarge(what, maxBytes);
  return text;
}

const tooLarge = (what: string, maxBytes: number) =>
  new ParleyError('badParameter', `values: the filled ${what} would pass ${maxBytes} bytes (all receivers together may fill ${templateLimits.filledBytesPerSend})`);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
