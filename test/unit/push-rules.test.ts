import { describe, expect, it } from 'vitest';
import { bodyOf, maxTextBody } from '../../src/core/push/notification.js';
import { inQuietHours, levelAllows, mentionsOf } from '../../src/core/push/rules.js';
import { backoffMs } from '../../src/core/push/worker.js';

/** What is pushed and when (docs/push.md): bodies per type, mute levels, quiet hours, retry backoff. */
describe('push bodies', () => {
  const txt = (s: string) => JSON.stringify({ content: s });

  it('pushContent first, then the text (cut), then the type\'s default; signalling and the app\'s own types push nothing without pushContent', () => {
    expect(bodyOf('RC:TxtMsg', txt('hello'), 'override', undefined)).toBe('override');
    expect(bodyOf('RC:TxtMsg', txt('hello'), '', undefined)).toBe('hello');
    expect(bodyOf('RC:TxtMsg', txt('x'.repeat(150)), '', undefined)).toBe(`${'x'.repeat(maxTextBody)}…`);
    expect(bodyOf('RC:ImgMsg', '{}', '', undefined)).toBe('[图片]');
    expect(bodyOf('RC:HQVCMsg', '{}', '', undefined)).toBe('[语音]');
    expect(bodyOf('RC:FileMsg', '{}', '', undefined)).toBe('[文件]');
    expect(bodyOf('RC:LBSMsg', '{}', '', undefined)).toBe('[位置]');
    expect(bodyOf('RC:RcCmd', '{}', '', undefined)).toBe('[撤回了一条消息]');
    for (const signalling of ['RC:CmdMsg', 'RC:ReadNtf', 'RC:RRReqMsg', 'RC:RRRspMsg', 'RC:SRSMsg', 'RC:chrmKVNotiMsg', 'app:Custom']) {
      expect(bodyOf(signalling, '{}', '', undefined)).toBeUndefined();
      expect(bodyOf(signalling, '{}', 'given', undefined)).toBe('given');
    }
  });

  it('an app overrides the defaults per type', () => {
    expect(bodyOf('RC:ImgMsg', '{}', '', { 'RC:ImgMsg': '[Photo]' })).toBe('[Photo]');
    expect(bodyOf('app:Custom', '{}', '', { 'app:Custom': 'New item' })).toBe('New item');
  });
});

describe('mute levels and mentions', () => {
  const none = mentionsOf(JSON.stringify({ content: 'x' }));
  const all = mentionsOf(JSON.stringify({ mentionedInfo: { type: 1 } }));
  const bob = mentionsOf(JSON.stringify({ mentionedInfo: { type: 2, userIdList: ['bob'] } }));

  it('follows RongCloud\'s unpushLevel', () => {
    expect([-1, 0, 1, 2, 4, 5].map((level) => levelAllows(level, none, 'bob'))).toEqual([true, true, false, false, false, false]);
    expect([-1, 0, 1, 2, 4, 5].map((level) => levelAllows(level, bob, 'bob'))).toEqual([true, true, true, true, false, false]);
    expect([-1, 0, 1, 2, 4, 5].map((level) => levelAllows(level, all, 'bob'))).toEqual([true, true, true, false, true, false]);
    expect(levelAllows(2, bob, 'carol')).toBe(false);
  });
});

describe('quiet hours', () => {
  // 2026-01-01T15:30:00Z is 23:30 in Shanghai.
  const now = Date.UTC(2026, 0, 1, 15, 30);

  it('hold on the app\'s wall clock, across midnight', () => {
    expect(inQuietHours({ startTime: '23:00:00', period: 60, level: 5 }, now, 'Asia/Shanghai')).toBe(true);
    expect(inQuietHours({ startTime: '23:00:00', period: 30, level: 5 }, now, 'Asia/Shanghai')).toBe(false);
    expect(inQuietHours({ startTime: '22:00:00', period: 180, level: 5 }, now + 2 * 3600_000, 'Asia/Shanghai')).toBe(false);
    expect(inQuietHours({ startTime: '22:00:00', period: 180, level: 5 }, now + 3600_000, 'Asia/Shanghai')).toBe(true);
    expect(inQuietHours({ startTime: '23:00:00', period: 60, level: 5 }, now, 'UTC')).toBe(false);
  });
});

describe('retry backoff', () => {
  it('doubles from a second, with jitter, up to five minutes', () => {
    for (let i = 0; i < 50; i++) {
      const first = backoffMs(0);
      expect(first).toBeGreaterThanOrEqual(500);
      expect(first).toBeLessThanOrEqual(1000);
      const late = backoffMs(20);
      expect(late).toBeGreaterThanOrEqual(150_000);
      expect(late).toBeLessThanOrEqual(300_000);
    }
  });
});
