import { afterEach, describe, expect, it, vi } from 'vitest';
import { replaceInContent, SensitiveWordMatcher, type SensitiveWord } from '../../src/core/sensitive-words.js';

const replace = (word: string, replaceWord = ''): SensitiveWord => ({ word, replaceWord, type: 0 });
const block = (word: string): SensitiveWord => ({ word, replaceWord: '', type: 1 });
const scan = (words: SensitiveWord[], text: string) => new SensitiveWordMatcher(words).scan(text);

describe('SensitiveWordMatcher.scan', () => {
  it('replaces a type 0 word by its replaceWord', () => {
    expect(scan([replace('darn', 'd**n')], 'oh darn it, darn!')).toEqual({ blocked: [], text: 'oh d**n it, d**n!' });
  });

  it('replaces by one * per character when replaceWord is empty', () => {
    expect(scan([replace('bad')], 'a bad day').text).toBe('a *** day');
    expect(scan([replace('坏蛋')], '你是坏蛋').text).toBe('你是**');
    // Counted in code points: an emoji is one character, though two UTF-16 units.
    expect(scan([replace('😀x')], 'a😀xb').text).toBe('a**b');
  });

  it('reports a type 1 word and leaves the text alone', () => {
    expect(scan([block('forbidden')], 'this is forbidden')).toEqual({ blocked: ['forbidden'], text: 'this is forbidden' });
  });

  it('replaces and blocks in the same message', () => {
    const words = [replace('darn'), block('evil'), replace('heck', 'h*ck')];
    expect(scan(words, 'darn, evil heck')).toEqual({ blocked: ['evil'], text: '****, evil h*ck' });
  });

  it('reports a block word that overlaps or sits inside a replace word', () => {
    expect(scan([replace('abc'), block('bcd')], 'abcd')).toEqual({ blocked: ['bcd'], text: '***d' });
    expect(scan([replace('abcde'), block('bcd')], 'xabcdex')).toEqual({ blocked: ['bcd'], text: 'x*****x' });
  });

  it('lists block words once each, ordered by first occurrence', () => {
    expect(scan([block('a'), block('b')], 'b x a b a').blocked).toEqual(['b', 'a']);
    // Same start: the longer word first; then by start, however the words end.
    expect(scan([block('he'), block('she'), block('hers')], 'ushers').blocked).toEqual(['she', 'hers', 'he']);
    expect(scan([block('b'), block('abc')], 'xabc').blocked).toEqual(['abc', 'b']);
  });

  it('matches ASCII letters case-insensitively and reports the word as configured', () => {
    const words = [replace('Fuck'), block('BadWord')];
    expect(scan(words, 'FUCK fuck fUcK')).toEqual({ blocked: [], text: '**** **** ****' });
    expect(scan(words, 'a BADWORD here').blocked).toEqual(['BadWord']);
    expect(scan(words, 'a badword here').blocked).toEqual(['BadWord']);
    expect(scan([replace('ok', 'OK')], 'Ok oK').text).toBe('OK OK');
  });

  it('matches CJK words inside CJK sentences, also next to other text', () => {
    const words = [replace('坏蛋', '**'), block('违禁品'), replace('笨')];
    expect(scan(words, '你这个坏蛋真讨厌，还卖违禁品！')).toEqual({ blocked: ['违禁品'], text: '你这个**真讨厌，还卖违禁品！' });
    expect(scan(words, 'hello坏蛋world 笨笨的')).toEqual({ blocked: [], text: 'hello**world **的' });
    expect(scan(words, '坏 蛋 违禁 品').text).toBe('坏 蛋 违禁 品');
  });

  it('prefers the longest match at the leftmost position, left to right, without overlap', () => {
    expect(scan([replace('ab', '[ab]'), replace('abc', '[abc]')], 'abcd').text).toBe('[abc]d');
    expect(scan([replace('abc', '[abc]'), replace('ab', '[ab]')], 'abcd').text).toBe('[abc]d');
    // The leftmost start wins over a longer word starting later.
    expect(scan([replace('abc', '[abc]'), replace('bcdef', '[bcdef]')], 'abcdef').text).toBe('[abc]def');
    expect(scan([replace('fuck')], 'fuckfuck').text).toBe('********');
    expect(scan([replace('aa', 'X')], 'aaaaa').text).toBe('XXa');
    // Found through failure links: "she" at 1 beats "hers" at 2.
    expect(scan([replace('he', 'H'), replace('she', 'S'), replace('hers', 'R')], 'ushers').text).toBe('uSrs');
    expect(scan([replace('he', 'H'), replace('hers', 'R')], 'ushers').text).toBe('usR');
  });

  it('returns the input itself when nothing matches', () => {
    const text = 'nothing to see here, 没有问题';
    const result = scan([replace('darn'), block('evil')], text);
    expect(result).toEqual({ blocked: [], text });
    expect(result.text).toBe(text);
  });

  it('treats a word listed twice: block and replace both apply, the later replaceWord wins', () => {
    const words = [replace('dup', 'one'), block('DUP'), replace('Dup', 'two'), block('dup')];
    expect(scan(words, 'a dup')).toEqual({ blocked: ['DUP'], text: 'a two' });
    expect(new SensitiveWordMatcher(words).size).toBe(1);
  });

  it('ignores empty words, and with no words returns every text unchanged', () => {
    expect(scan([replace(''), block('')], 'anything')).toEqual({ blocked: [], text: 'anything' });
    const empty = new SensitiveWordMatcher([]);
    expect(empty.size).toBe(0);
    expect(empty.scan('')).toEqual({ blocked: [], text: '' });
    expect(empty.scan('fuck 坏蛋')).toEqual({ blocked: [], text: 'fuck 坏蛋' });
  });

  it('stays correct with 10,000 generated words (checked against a word-by-word reference)', () => {
    const random = mulberry32(20_240_611);
    const words = generateWords(10_000, random);
    const matcher = new SensitiveWordMatcher(words);
    let hits = 0;
    for (let n = 0; n < 300; n++) {
      const text = generateText(words, random);
      const expected = referenceScan(words, text);
      expect(matcher.scan(text), text).toEqual(expected);
      if (expected.blocked.length > 0 || expected.text !== text) hits++;
    }
    expect(hits).toBeGreaterThan(100);
    // A planted word from the middle and the end of the list is found.
    const middle = words[5_000] as SensitiveWord;
    const last = words[9_999] as SensitiveWord;
    const planted = matcher.scan(`start ${middle.word.toUpperCase()} and ${last.word} end`);
    for (const word of [middle, last]) {
      if (word.type === 1) expect(planted.blocked).toContain(word.word);
      else expect(planted.text).not.toContain(word.word);
    }
  });
});

describe('replaceInContent', () => {
  const matcher = new SensitiveWordMatcher([replace('darn'), block('evil')]);

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('replaces in the content of RC:TxtMsg and keeps every other field', () => {
    const content = JSON.stringify({ content: 'darn it', extra: 'darn', user: { id: 'u1', name: 'darn' }, n: 1 });
    const result = replaceInContent('RC:TxtMsg', content, matcher);
    expect(result.blocked).toEqual([]);
    expect(JSON.parse(result.content)).toEqual({ content: '**** it', extra: 'darn', user: { id: 'u1', name: 'darn' }, n: 1 });
  });

  it('reports block words in RC:TxtMsg and leaves its content as sent', () => {
    const content = '{ "content": "evil plan" }';
    expect(replaceInContent('RC:TxtMsg', content, matcher)).toEqual({ blocked: ['evil'], content });
  });

  it('replaces in the content of RC:ReferenceMsg, not in the quoted message', () => {
    const content = JSON.stringify({ content: 'darn, evil', referMsgUserId: 'u2', referMsg: { content: 'darn' } });
    const result = replaceInContent('RC:ReferenceMsg', content, matcher);
    expect(result.blocked).toEqual(['evil']);
    expect(JSON.parse(result.content)).toEqual({ content: '****, evil', referMsgUserId: 'u2', referMsg: { content: 'darn' } });
  });

  it('leaves other built-in and custom types alone', () => {
    for (const objectName of ['RC:ImgMsg', 'RC:VcMsg', 'RC:InfoNtf', 'RC:CmdMsg', 'App:Custom', 'TxtMsg', 'rc:txtmsg']) {
      const content = JSON.stringify({ content: 'darn evil', message: 'darn evil', name: 'evil' });
      expect(replaceInContent(objectName, content, matcher), objectName).toEqual({ blocked: [], content });
    }
  });

  it('returns content that is not a JSON object with a string field unchanged', () => {
    for (const content of ['darn evil', '{"content":"darn"', '"darn evil"', '["darn"]', 'null', '{"content":["darn"]}', '{"text":"darn"}']) {
      expect(replaceInContent('RC:TxtMsg', content, matcher), content).toEqual({ blocked: [], content });
    }
  });

  it('returns the original string, not a re-serialized one, when nothing changed', () => {
    const content = '{ "content" : "all fine",\n  "extra": 1.0 }';
    expect(replaceInContent('RC:TxtMsg', content, matcher).content).toBe(content);
  });

  it('does not even parse the content with an empty matcher', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const content = JSON.stringify({ content: 'darn' });
    expect(replaceInContent('RC:TxtMsg', content, new SensitiveWordMatcher([]))).toEqual({ blocked: [], content });
    expect(parse).not.toHaveBeenCalled();
  });
});

/** The rules spelled out word by word: slow, obviously right, used to check the automaton. */
function referenceScan(words: readonly SensitiveWord[], text: string): { blocked: string[]; text: string } {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const haystack = fold(text);
  const replaceBy = new Map<string, string>();
  const blockSpelling = new Map<string, string>();
  for (const w of words) {
    if (w.word === '') continue;
    if (w.type === 0) replaceBy.set(fold(w.word), w.replaceWord || '*'.repeat([...w.word].length));
    else if (!blockSpelling.has(fold(w.word))) blockSpelling.set(fold(w.word), w.word);
  }
  const firstSeen: { start: number; length: number; word: string }[] = [];
  for (const [folded, spelling] of blockSpelling) {
    const start = haystack.indexOf(folded);
    if (start !== -1) firstSeen.push({ start, length: folded.length, word: spelling });
  }
  firstSeen.sort((a, b) => a.start - b.start || b.length - a.length);
  // Grouped by first character only to keep 10,000 words fast enough for a test.
  const byFirst = new Map<string, string[]>();
  for (const folded of replaceBy.keys()) {
    const group = byFirst.get(folded[0] as string);
    if (group === undefined) byFirst.set(folded[0] as string, [folded]);
    else group.push(folded);
  }
  let out = '';
  let i = 0;
  while (i < text.length) {
    let longest = '';
    for (const folded of byFirst.get(haystack[i] as string) ?? []) {
      if (folded.length > longest.length && haystack.startsWith(folded, i)) longest = folded;
    }
    if (longest === '') {
      out += text[i];
      i++;
    } else {
      out += replaceBy.get(longest);
      i += longest.length;
    }
  }
  return { blocked: firstSeen.map((s) => s.word), text: out };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Short words over small alphabets, so they overlap, nest and share prefixes a lot. */
function generateWords(count: number, random: () => number): SensitiveWord[] {
  const latin = 'abcdefghijklmnopqrstuvwxyzABC';
  const cjk = '你我他坏蛋好人中国字词语违禁品傻瓜笨';
  const words: SensitiveWord[] = [];
  for (let n = 0; n < count; n++) {
    const alphabet = random() < 0.5 ? latin : cjk;
    const length = 2 + Math.floor(random() * 5);
    let word = '';
    for (let k = 0; k < length; k++) word += alphabet[Math.floor(random() * alphabet.length)];
    const type = random() < 0.2 ? 1 : 0;
    const replaceWord = type === 0 && random() < 0.5 ? `<${n}>` : '';
    words.push({ word, replaceWord, type });
  }
  return words;
}

/** Filler with planted words (case sometimes changed) at random places. */
function generateText(words: readonly SensitiveWord[], random: () => number): string {
  const filler = 'the quick brown fox, 我们今天去中国吃饭。 ';
  let text = '';
  while (text.length < 100) {
    if (random() < 0.3) {
      const word = (words[Math.floor(random() * words.length)] as SensitiveWord).word;
      text += random() < 0.3 ? word.toUpperCase() : word;
    } else {
      const from = Math.floor(random() * filler.length);
      text += filler.slice(from, from + 1 + Math.floor(random() * 10));
    }
  }
  return text;
}
