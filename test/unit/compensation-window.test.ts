import { describe, expect, it } from 'vitest';
import { compensationWindowStart } from '../../src/core/compensation-window.js';

const shanghai = 'Asia/Shanghai'; // UTC+8, no DST
const midnightShanghai = (iso: string) => Date.parse(`${iso}T00:00:00.000+08:00`);

describe('compensationWindowStart', () => {
  it('is today\'s local midnight with one day, right up to 23:59:59.999', () => {
    const lastMs = Date.parse('2026-11-22T23:59:59.999+08:00');
    expect(compensationWindowStart(lastMs, 1, shanghai)).toBe(midnightShanghai('2026-11-22'));
  });

  it('moves to the new day exactly at local 00:00:00.000', () => {
    const firstMs = Date.parse('2026-11-23T00:00:00.000+08:00');
    expect(compensationWindowStart(firstMs, 1, shanghai)).toBe(midnightShanghai('2026-11-23'));
    expect(compensationWindowStart(firstMs - 1, 1, shanghai)).toBe(midnightShanghai('2026-11-22'));
  });

  it('reaches back days - 1 local days, across a month end', () => {
    const now = Date.parse('2026-12-02T10:00:00+08:00');
    expect(compensationWindowStart(now, 7, shanghai)).toBe(midnightShanghai('2026-11-26'));
    expect(compensationWindowStart(now, 1, shanghai)).toBe(midnightShanghai('2026-12-02'));
  });

  it('uses the local date, not the UTC one (16:30 UTC is already tomorrow in Shanghai)', () => {
    const now = Date.parse('2026-11-22T16:30:00Z');
    expect(compensationWindowStart(now, 1, shanghai)).toBe(midnightShanghai('2026-11-23'));
    expect(compensationWindowStart(now, 1, 'UTC')).toBe(Date.parse('2026-11-22T00:00:00Z'));
  });

  it('handles zones west of UTC and a DST change day', () => {
    const ny = 'America/New_York';
    // 2026-11-01 is the US fall-back day: midnight is still EDT (-04:00).
    expect(compensationWindowStart(Date.parse('2026-11-01T23:00:00-05:00'), 1, ny)).toBe(Date.parse('2026-11-01T00:00:00-04:00'));
    expect(compensationWindowStart(Date.parse('2026-11-03T08:00:00-05:00'), 3, ny)).toBe(Date.parse('2026-11-01T00:00:00-04:00'));
  });

  it('answers each instant with its own day however the calls are ordered (the start is kept per local day)', () => {
    const days = ['2026-11-20', '2026-11-23', '2026-11-21', '2026-11-23', '2026-11-20'];
    for (const day of days) {
      expect(compensationWindowStart(Date.parse(`${day}T12:00:00+08:00`), 1, shanghai)).toBe(midnightShanghai(day));
      expect(compensationWindowStart(Date.parse(`${day}T23:59:59.999+08:00`), 2, shanghai)).toBe(midnightShanghai(day) - 86_400_000);
    }
  });
});
