import { describe, expect, it } from 'vitest';
import {
  builtInMessageTypes,
  isBuiltInType,
  maxContentBytes,
  resolveMessage,
  validateObjectName,
  type MessageFlags,
  type MessageInput,
} from '../../src/core/message-types.js';
import { ParleyError } from '../../src/errors.js';

const mb = 1024 * 1024;
const stored: MessageFlags = { persisted: true, counted: true, status: false };
const uncounted: MessageFlags = { persisted: true, counted: false, status: false };
const none: MessageFlags = { persisted: false, counted: false, status: false };
const status: MessageFlags = { persisted: false, counted: false, status: true };

/** The built-in types (docs/architecture.md "Message types"), and Parley's own RC:MsgModify. */
const expectedFlags: Record<string, MessageFlags> = {
  'RC:TxtMsg': stored,
  'RC:ImgMsg': stored,
  'RC:GIFMsg': stored,
  'RC:VcMsg': stored,
  'RC:HQVCMsg': stored,
  'RC:FileMsg': stored,
  'RC:SightMsg': stored,
  'RC:LBSMsg': stored,
  'RC:ImgTextMsg': stored,
  'RC:ReferenceMsg': stored,
  'RC:CombineMsg': stored,
  'RC:InfoNtf': uncounted,
  'RC:ContactNtf': uncounted,
  'RC:ProfileNtf': uncounted,
  'RC:GrpNtf': uncounted,
  'RC:CmdNtf': uncounted,
  'RC:RcNtf': uncounted,
  'RC:chrmKVNotiMsg': uncounted,
  'RC:CmdMsg': none,
  'RC:RcCmd': none,
  'RC:TypSts': status,
  'RC:ReadNtf': none,
  'RC:RRReqMsg': none,
  'RC:RRRspMsg': none,
  'RC:SRSMsg': none,
  'RC:MsgExMsg': none,
  // Parley's own notice of a modified message (core/modify.ts).
  'RC:MsgModify': none,
};

/** Content carrying every required field of a type (values chosen to pass size checks). */
function validContent(objectName: string, omit?: string): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const field of builtInMessageTypes[objectName]?.required ?? []) {
    if (field !== omit) content[field] = field === 'size' || field === 'duration' ? 1 : 'x';
  }
  return content;
}

function resolve(objectName: string, content: unknown, overrides: Partial<MessageInput> = {}): MessageFlags {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  return resolveMessage({ objectName, content: text, ...overrides }).flags;
}

function expectBad(run: () => unknown, message: string): void {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ParleyError);
  expect(caught).toMatchObject({ kind: 'badParameter', code: 1002, message });
}

/** A TxtMsg whose serialised content is exactly `bytes` UTF-8 bytes, padded with `pad`. */
function txtOfBytes(bytes: number, pad = 'a'): string {
  const empty = JSON.stringify({ content: '' });
  const padBytes = Buffer.byteLength(pad, 'utf8');
  const room = bytes - empty.length;
  const text = pad.repeat(Math.floor(room / padBytes)) + 'a'.repeat(room % padBytes);
  const json = JSON.stringify({ content: text });
  expect(Buffer.byteLength(json, 'utf8')).toBe(bytes);
  return json;
}

describe('registry', () => {
  it('lists every built-in type RongCloud defines (the table of flags below) and no other', () => {
    expect(Object.keys(builtInMessageTypes).sort()).toEqual(Object.keys(expectedFlags).sort());
  });

  it.each(Object.entries(expectedFlags))('%s has its table flags', (objectName, flags) => {
    expect(resolve(objectName, validContent(objectName))).toEqual(flags);
  });

  const requiredFields = Object.entries(builtInMessageTypes).flatMap(([name, type]) =>
    type.required.map((field) => [name, field] as const),
  );
  it.each(requiredFields)('%s refuses content without "%s"', (objectName, field) => {
    expectBad(() => resolve(objectName, validContent(objectName, field)), `content: ${objectName} requires "${field}"`);
    expectBad(
      () => resolve(objectName, { ...validContent(objectName), [field]: null }),
      `content: ${objectName} requires "${field}"`,
    );
  });

  it('requires the conservative field sets', () => {
    expect(builtInMessageTypes['RC:TxtMsg']?.required).toEqual(['content']);
    expect(builtInMessageTypes['RC:FileMsg']?.required).toEqual(['name', 'size', 'fileUrl']);
    expect(builtInMessageTypes['RC:ContactNtf']?.required).toEqual(['operation', 'sourceUserId', 'targetUserId']);
    expect(builtInMessageTypes['RC:ProfileNtf']?.required).toEqual([]);
  });

  it('allows extra content fields', () => {
    expect(resolve('RC:TxtMsg', { content: 'hi', extra: 'e', user: { id: 'u' }, unknownField: [1] })).toEqual(stored);
  });
});

describe('isBuiltInType / validateObjectName', () => {
  it('treats the RC: prefix as built-in', () => {
    expect(isBuiltInType('RC:TxtMsg')).toBe(true);
    expect(isBuiltInType('RC:Whatever')).toBe(true);
    expect(isBuiltInType('App:Card')).toBe(false);
    expect(isBuiltInType('rc:TxtMsg')).toBe(false);
  });

  it('accepts 1 to 32 characters', () => {
    expect(() => validateObjectName('A')).not.toThrow();
    expect(() => validateObjectName('X'.repeat(32))).not.toThrow();
    expectBad(() => validateObjectName(''), 'objectName: must be 1 to 32 characters');
    expectBad(() => validateObjectName('X'.repeat(33)), 'objectName: must be 1 to 32 characters');
    expectBad(() => resolve('X'.repeat(33), 'anything'), 'objectName: must be 1 to 32 characters');
  });
});

describe('content size', () => {
  it(`accepts exactly ${maxContentBytes} bytes and refuses one more`, () => {
    expect(maxContentBytes).toBe(131_072);
    expect(resolve('RC:TxtMsg', txtOfBytes(maxContentBytes))).toEqual(stored);
    expectBad(() => resolve('RC:TxtMsg', txtOfBytes(maxContentBytes + 1)), 'content: larger than 131072 bytes');
    expect(resolve('App:Raw', 'z'.repeat(maxContentBytes))).toEqual(stored);
    expectBad(() => resolve('App:Raw', 'z'.repeat(maxContentBytes + 1)), 'content: larger than 131072 bytes');
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(resolve('RC:TxtMsg', txtOfBytes(maxContentBytes, '好'))).toEqual(stored);
    const over = txtOfBytes(maxContentBytes + 1, '好');
    expect(over.length).toBeLessThan(maxContentBytes);
    expectBad(() => resolve('RC:TxtMsg', over), 'content: larger than 131072 bytes');
    expect(resolve('App:Raw', 'é'.repeat(maxContentBytes / 2))).toEqual(stored);
    expectBad(() => resolve('App:Raw', 'é'.repeat(maxContentBytes / 2) + 'a'), 'content: larger than 131072 bytes');
  });
});

describe('content shape of RC: types', () => {
  it('refuses non-JSON content', () => {
    expectBad(() => resolve('RC:TxtMsg', 'hello'), 'content: not JSON');
    expectBad(() => resolve('RC:TxtMsg', ''), 'content: not JSON');
    expectBad(() => resolve('RC:TxtMsg', '{"content":"hi"'), 'content: not JSON');
  });

  it('refuses JSON that is not an object', () => {
    for (const text of ['[]', '[{"content":"hi"}]', 'null', '"hi"', '42', 'true']) {
      expectBad(() => resolve('RC:TxtMsg', text), 'content: RC:TxtMsg requires a JSON object');
    }
  });

  it('accepts an unlisted RC: type as stored and counted, requiring only a JSON object', () => {
    expect(resolve('RC:VCInvite', {})).toEqual(stored);
    expect(resolve('RC:VCInvite', { anything: 1 }, { isCounted: false })).toEqual(uncounted);
    expectBad(() => resolve('RC:VCInvite', 'not json'), 'content: not JSON');
    expectBad(() => resolve('RC:VCInvite', '[1]'), 'content: RC:VCInvite requires a JSON object');
  });
});

describe('declared media sizes', () => {
  const cases = [
    ['RC:ImgMsg', 'size', 28 * mb, '28 MB'],
    ['RC:GIFMsg', 'gifDataSize', 28 * mb, '28 MB'],
    ['RC:VcMsg', 'size', 28 * mb, '28 MB'],
    ['RC:HQVCMsg', 'size', 28 * mb, '28 MB'],
    ['RC:FileMsg', 'size', 100 * mb, '100 MB'],
    ['RC:SightMsg', 'size', 100 * mb, '100 MB'],
  ] as const;

  it.each(cases)('%s %s: at most %d bytes', (objectName, field, limit, label) => {
    const base = validContent(objectName);
    expect(resolve(objectName, { ...base, [field]: limit })).toEqual(stored);
    expect(resolve(objectName, { ...base, [field]: 0 })).toEqual(stored);
    expectBad(
      () => resolve(objectName, { ...base, [field]: limit + 1 }),
      `content: ${objectName} ${field} ${limit + 1} exceeds ${label}`,
    );
    for (const bad of [-1, '1024', true, {}]) {
      expectBad(
        () => resolve(objectName, { ...base, [field]: bad }),
        `content: ${objectName} ${field} must be a non-negative number`,
      );
    }
  });

  it('uses the documented message for an oversized file', () => {
    const file = { name: 'a.bin', size: 104_857_601, fileUrl: 'https://f/a.bin' };
    expectBad(() => resolve('RC:FileMsg', file), 'content: RC:FileMsg size 104857601 exceeds 100 MB');
  });

  it('checks optional sizes only when declared', () => {
    expect(resolve('RC:ImgMsg', { imageUri: 'https://i/a.jpg' })).toEqual(stored);
    expect(resolve('RC:ImgMsg', { imageUri: 'https://i/a.jpg', size: null })).toEqual(stored);
    expect(resolve('RC:GIFMsg', { remoteUrl: 'https://i/a.gif' })).toEqual(stored);
    expect(resolve('RC:SightMsg', { sightUrl: 'https://v/a.mp4', duration: 3 })).toEqual(stored);
  });

  it('leaves size fields of other types alone', () => {
    expect(resolve('RC:TxtMsg', { content: 'hi', size: 200 * mb })).toEqual(stored);
  });
});

describe('custom types', () => {
  it('accepts any content, JSON or not', () => {
    expect(resolve('App:Card', 'plain text, not JSON')).toEqual(stored);
    expect(resolve('App:Card', '')).toEqual(stored);
    expect(resolve('App:Card', '[1,2]')).toEqual(stored);
  });

  it('follows isPersisted and isCounted, counting only what is persisted', () => {
    expect(resolve('App:Card', 'x', { isPersisted: true, isCounted: true })).toEqual(stored);
    expect(resolve('App:Card', 'x', { isCounted: false })).toEqual(uncounted);
    expect(resolve('App:Card', 'x', { isPersisted: false })).toEqual(none);
    expect(resolve('App:Card', 'x', { isPersisted: false, isCounted: true })).toEqual(none);
  });
});

describe('flag overrides on built-in types', () => {
  const text = { content: 'hi' };

  it('lets isPersisted: false turn off storage and counting', () => {
    expect(resolve('RC:TxtMsg', text, { isPersisted: false })).toEqual(none);
    expect(resolve('RC:TxtMsg', text, { isPersisted: false, isCounted: true })).toEqual(none);
    expect(resolve('RC:InfoNtf', { message: 'm' }, { isPersisted: false })).toEqual(none);
  });

  it('lets isCounted: false turn off counting only', () => {
    expect(resolve('RC:TxtMsg', text, { isCounted: false })).toEqual(uncounted);
  });

  it('never upgrades a type beyond its table flags', () => {
    expect(resolve('RC:TxtMsg', text, { isPersisted: true, isCounted: true })).toEqual(stored);
    expect(resolve('RC:InfoNtf', { message: 'm' }, { isCounted: true })).toEqual(uncounted);
    expect(resolve('RC:CmdMsg', { name: 'n' }, { isPersisted: true, isCounted: true })).toEqual(none);
    expect(resolve('RC:TypSts', { typingContentType: 'RC:TxtMsg' }, { isPersisted: true })).toEqual(status);
  });

  it('makes anything a status message under forceStatus', () => {
    expect(resolve('RC:TxtMsg', text, { forceStatus: true })).toEqual(status);
    expect(resolve('RC:TxtMsg', text, { forceStatus: true, isPersisted: true, isCounted: true })).toEqual(status);
    expect(resolve('RC:InfoNtf', { message: 'm' }, { forceStatus: true })).toEqual(status);
    expect(resolve('App:Card', 'x', { forceStatus: true })).toEqual(status);
    expect(resolve('RC:VCInvite', {}, { forceStatus: true })).toEqual(status);
  });

  it('still validates content under forceStatus', () => {
    expectBad(() => resolve('RC:TxtMsg', 'nope', { forceStatus: true }), 'content: not JSON');
    expectBad(() => resolve('RC:TypSts', {}, { forceStatus: true }), 'content: RC:TypSts requires "typingContentType"');
  });

  it('returns flags the caller may change without affecting later calls', () => {
    const first = resolve('RC:TypSts', { typingContentType: 'RC:TxtMsg' });
    first.status = false;
    expect(resolve('RC:TypSts', { typingContentType: 'RC:TxtMsg' })).toEqual(status);
  });
});
