/**
 * RongCloud-style sensitive words (docs/server-api.md "Permissions"): type 0 words are
 * replaced in the message text, type 1 words make the message refused.
 *
 * One Aho–Corasick automaton is built over every word, so scanning a message costs about
 * the same for 10 or 10,000 words: one pass over the text, plus the hits found.
 *
 * Matching rules:
 * - by UTF-16 code units, case-insensitively for ASCII letters only (`A`–`Z` fold to
 *   `a`–`z`; other scripts, CJK included, match exactly). Folding never changes a
 *   string's length, so positions in the folded text are positions in the original.
 * - replace words: the longest match starting at the leftmost position wins, then
 *   scanning resumes after it (non-overlapping, left to right).
 * - block words are reported wherever they occur, also inside or across a replace match.
 * - the same word listed twice (ASCII case aside) may be both a replace and a block word;
 *   for two replace entries the later one's `replaceWord` wins, for two block entries
 *   the first one's spelling is reported. Empty words are ignored.
 */

export interface SensitiveWord {
  word: string;
  /** Type 0 only: what the word becomes; empty means `*` once per code point of `word`. */
  replaceWord: string;
  /** 0 replace, 1 block. */
  type: 0 | 1;
}

export interface ScanResult {
  /** Block words found (as configured), distinct, ordered by the start of their first occurrence. */
  blocked: string[];
  /** The input with every replace-word match replaced; the input itself when nothing was. */
  text: string;
}

/**
 * Every non-root edge in one open-addressing table (linear probing, at most half full,
 * the three fields of a slot side by side for cache locality). Cheaper than a Map per
 * node for 10,000s of nodes. The root's edges live in a flat array instead.
 */
interface EdgeTable {
  /** 1 for nodes with at least one edge, so leaves skip the lookup. */
  hasEdges: Uint8Array;
  /** Slot `i` is `slots[3i]` (from node, 0 = free), `slots[3i + 1]` (code unit), `slots[3i + 2]` (to node). */
  slots: Int32Array;
  shift: number;
  mask: number;
}

function edgeSlot(node: number, code: number, shift: number): number {
  return (Math.imul(node, 0x9e3779b1) ^ Math.imul(code, 0x85ebca6b)) >>> shift;
}

function buildEdgeTable(children: readonly Map<number, number>[]): EdgeTable {
  let count = 0;
  const hasEdges = new Uint8Array(children.length);
  for (let node = 1; node < children.length; node++) {
    const size = (children[node] as Map<number, number>).size;
    count += size;
    if (size > 0) hasEdges[node] = 1;
  }
  let bits = 1;
  while (1 << bits < count * 2) bits++;
  const slots = new Int32Array(3 << bits);
  const shift = 32 - bits;
  const mask = (1 << bits) - 1;
  for (let node = 1; node < children.length; node++) {
    for (const [code, child] of children[node] as Map<number, number>) {
      let slot = edgeSlot(node, code, shift);
      while (slots[3 * slot] !== 0) slot = (slot + 1) & mask;
      slots[3 * slot] = node;
      slots[3 * slot + 1] = code;
      slots[3 * slot + 2] = child;
    }
  }
  return { hasEdges, slots, shift, mask };
}

export class SensitiveWordMatcher {
  /** Edges of the other nodes, all in one flat hash table. */
  private readonly edges: EdgeTable;
  /** The root's edges by code unit, 0 where none: one array read for most characters. */
  private readonly rootNext: Uint32Array;
  /** Failure link: the node of the longest proper suffix that is also in the trie. */
  private readonly fail: Int32Array;
  /** The nearest node on the failure chain (itself included) that ends a word; 0 = none. */
  private readonly output: Int32Array;
  /** Length in code units of the word a node spells. */
  private readonly depth: Int32Array;
  /** Index into `blockWords` for nodes ending a block word, else -1. */
  private readonly blockIndex: Int32Array;
  /** Replacement text for nodes ending a replace word. */
  private readonly replacement: (string | undefined)[];
  private readonly blockWords: string[];
  /** Number of distinct (folded) words; 0 makes `scan` return its input at once. */
  readonly size: number;

  constructor(words: readonly SensitiveWord[]) {
    const children: Map<number, number>[] = [new Map<number, number>()];
    const depth: number[] = [0];
    const blockIndex: number[] = [-1];
    const replacement: (string | undefined)[] = [undefined];
    const blockWords: string[] = [];
    let size = 0;

    for (const entry of words) {
      const folded = foldAscii(entry.word);
      if (folded.length === 0) continue;
      let node = 0;
      for (let i = 0; i < folded.length; i++) {
        const code = folded.charCodeAt(i);
        const edges = children[node] as Map<number, number>;
        let next = edges.get(code);
        if (next === undefined) {
          next = children.length;
          edges.set(code, next);
          children.push(new Map<number, number>());
          depth.push(i + 1);
          blockIndex.push(-1);
          replacement.push(undefined);
        }
        node = next;
      }
      if (blockIndex[node] === -1 && replacement[node] === undefined) size++;
      if (entry.type === 1) {
        if (blockIndex[node] === -1) {
          blockIndex[node] = blockWords.length;
          blockWords.push(entry.word);
        }
      } else {
        // Falsy covers '' and a missing replaceWord in records from storage.
        replacement[node] = entry.replaceWord ? entry.replaceWord : '*'.repeat(codePointCount(entry.word));
      }
    }

    const count = children.length;
    const fail = new Int32Array(count);
    const output = new Int32Array(count);
    // Breadth-first, so a node's failure target is always finished before the node.
    const queue = new Int32Array(count);
    let head = 0;
    let tail = 0;
    for (const child of (children[0] as Map<number, number>).values()) {
      queue[tail++] = child;
      output[child] = isTerminal(child) ? child : 0;
    }
    while (head < tail) {
      const node = queue[head++] as number;
      for (const [code, child] of children[node] as Map<number, number>) {
        let f = fail[node] as number;
        let target = (children[f] as Map<number, number>).get(code);
        while (target === undefined && f !== 0) {
          f = fail[f] as number;
          target = (children[f] as Map<number, number>).get(code);
        }
        const failTo = target ?? 0;
        fail[child] = failTo;
        output[child] = isTerminal(child) ? child : (output[failTo] as number);
        queue[tail++] = child;
      }
    }

    this.rootNext = new Uint32Array(size === 0 ? 0 : 0x10000);
    for (const [code, child] of children[0] as Map<number, number>) this.rootNext[code] = child;
    this.edges = buildEdgeTable(children);
    this.fail = fail;
    this.output = output;
    this.depth = Int32Array.from(depth);
    this.blockIndex = Int32Array.from(blockIndex);
    this.replacement = replacement;
    this.blockWords = blockWords;
    this.size = size;

    function isTerminal(node: number): boolean {
      return blockIndex[node] !== -1 || replacement[node] !== undefined;
    }
  }

  scan(text: string): ScanResult {
    if (this.size === 0) return { blocked: [], text };
    const { edges, rootNext, fail, output, depth, blockIndex, replacement } = this;
    const { hasEdges, slots, shift, mask } = edges;

    // Hits as flat (start, node) pairs; allocated only once something matches.
    let replaceHits: number[] | undefined;
    let blockHits: number[] | undefined;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code >= 65 && code <= 90) code += 32;
      // Follow failure links until a node continues with this code unit; the root's
      // edges are a flat table, since most characters of most messages end up there.
      let next = 0;
      while (state !== 0) {
        if (hasEdges[state] === 1) {
          // Inlined lookup in the edge table (see buildEdgeTable).
          for (let slot = edgeSlot(state, code, shift); slots[3 * slot] !== 0; slot = (slot + 1) & mask) {
            if (slots[3 * slot] === state && slots[3 * slot + 1] === code) {
              next = slots[3 * slot + 2] as number;
              break;
            }
          }
          if (next !== 0) break;
        }
        state = fail[state] as number;
      }
      if (state === 0) next = rootNext[code] as number;
      // No word continues or starts here: nothing to report.
      if (next === 0) continue;
      state = next;
      for (let hit = output[state] as number; hit !== 0; hit = output[fail[hit] as number] as number) {
        const start = i + 1 - (depth[hit] as number);
        if (replacement[hit] !== undefined) (replaceHits ??= []).push(start, hit);
        if (blockIndex[hit] !== -1) (blockHits ??= []).push(start, hit);
      }
    }

    return {
      blocked: blockHits === undefined ? [] : this.orderBlocked(blockHits),
      text: replaceHits === undefined ? text : this.replace(text, replaceHits),
    };
  }

  /** Distinct block words by start of first occurrence (longer first on the same start). */
  private orderBlocked(hits: number[]): string[] {
    const pairs: [start: number, node: number][] = [];
    for (let k = 0; k < hits.length; k += 2) pairs.push([hits[k] as number, hits[k + 1] as number]);
    pairs.sort((a, b) => a[0] - b[0] || (this.depth[b[1]] as number) - (this.depth[a[1]] as number));
    const seen = new Set<number>();
    const blocked: string[] = [];
    for (const [, node] of pairs) {
      const index = this.blockIndex[node] as number;
      if (seen.has(index)) continue;
      seen.add(index);
      blocked.push(this.blockWords[index] as string);
    }
    return blocked;
  }

  /** Leftmost-longest, non-overlapping replacement of the (start, node) hits. */
  private replace(text: string, hits: number[]): string {
    // Longest hit per start; hits arrive ordered by end position, not start.
    const best = new Map<number, number>();
    for (let k = 0; k < hits.length; k += 2) {
      const start = hits[k] as number;
      const node = hits[k + 1] as number;
      const current = best.get(start);
      if (current === undefined || (this.depth[node] as number) > (this.depth[current] as number)) best.set(start, node);
    }
    const starts = [...best.keys()].sort((a, b) => a - b);
    let out = '';
    let cursor = 0;
    for (const start of starts) {
      if (start < cursor) continue;
      const node = best.get(start) as number;
      out += text.slice(cursor, start) + (this.replacement[node] as string);
      cursor = start + (this.depth[node] as number);
    }
    return out + text.slice(cursor);
  }
}

/** Objects whose text field is scanned, and that field's name. */
const scannedField: Readonly<Record<string, string>> = {
  'RC:TxtMsg': 'content',
  'RC:ReferenceMsg': 'content',
};

/**
 * Applies `matcher` to the text a message of type `objectName` shows: `content` of
 * `RC:TxtMsg` and `RC:ReferenceMsg` (the quoted `referMsg` is left as sent). Other types,
 * custom ones included, pass unchanged and unblocked, as does content that is not a JSON
 * object with a string in that field. The content is re-serialized only when text was
 * replaced; otherwise the original string is returned.
 */
export function replaceInContent(
  objectName: string,
  content: string,
  matcher: SensitiveWordMatcher,
): { blocked: string[]; content: string } {
  const field = Object.hasOwn(scannedField, objectName) ? scannedField[objectName] : undefined;
  if (field === undefined || matcher.size === 0) return { blocked: [], content };
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    // Not JSON: content validation elsewhere decides; nothing here to scan.
    return { blocked: [], content };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { blocked: [], content };
  const record = parsed as Record<string, unknown>;
  const text = Object.hasOwn(record, field) ? record[field] : undefined;
  if (typeof text !== 'string') return { blocked: [], content };
  const result = matcher.scan(text);
  if (result.text === text) return { blocked: result.blocked, content };
  record[field] = result.text;
  return { blocked: result.blocked, content: JSON.stringify(record) };
}

function foldAscii(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (run) => run.toLowerCase()) : text;
}

function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
