import { describe, expect, it } from 'vitest';
import type { Platform } from '../../src/model/platform.js';
import { sessionsToEvict } from '../../src/core/session-policy.js';
import type { SessionInfo } from '../../src/model/session.js';

type PolicyFeatures = Parameters<typeof sessionsToEvict>[2];

const defaults: PolicyFeatures = { multiMobile: false, multiDeviceSync: false, webMaxConnections: 10 };

let clock = 0;
function session(platform: Platform, deviceId: string): SessionInfo {
  clock += 1;
  return {
    sessionId: `session-${deviceId}-${clock}`,
    userId: 'alice',
    deviceId,
    platform,
    nodeId: 'node-1',
    connectedAt: clock,
    tokenIssuedAt: 0,
  };
}

/** Evicted device ids with reasons, for compact assertions. */
function evict(existing: SessionInfo[], platform: Platform, deviceId: string, features: Partial<PolicyFeatures> = {}) {
  return sessionsToEvict(existing, { platform, deviceId }, { ...defaults, ...features }).map((e) => [
    e.session.deviceId,
    e.reason,
  ]);
}

describe('sessionsToEvict', () => {
  it('evicts the first ios session when a second ios device logs in', () => {
    const existing = [session('ios', 'phone-1')];
    expect(evict(existing, 'ios', 'phone-2')).toEqual([['phone-1', 'same-platform-login']]);
  });

  it('returns the evicted SessionInfo object itself', () => {
    const existing = [session('ios', 'phone-1')];
    const [eviction] = sessionsToEvict(existing, { platform: 'ios', deviceId: 'phone-2' }, defaults);
    expect(eviction?.session).toBe(existing[0]);
  });

  it('treats ios, android and harmony as one mobile class', () => {
    expect(evict([session('ios', 'phone-1')], 'android', 'phone-2')).toEqual([['phone-1', 'same-platform-login']]);
    expect(evict([session('android', 'phone-1')], 'harmony', 'phone-2')).toEqual([['phone-1', 'same-platform-login']]);
  });

  it('lets several mobile sessions coexist with multiMobile', () => {
    const existing = [session('ios', 'phone-1'), session('android', 'phone-2')];
    expect(evict(existing, 'ios', 'phone-3', { multiMobile: true })).toEqual([]);
  });

  it('keeps one session per desktop and miniprogram class even with multiMobile', () => {
    expect(evict([session('desktop', 'pc-1')], 'desktop', 'pc-2', { multiMobile: true })).toEqual([
      ['pc-1', 'same-platform-login'],
    ]);
    expect(evict([session('miniprogram', 'mp-1')], 'miniprogram', 'mp-2', { multiMobile: true })).toEqual([
      ['mp-1', 'same-platform-login'],
    ]);
  });

  it('lets desktop, web, miniprogram and mobile sessions coexist', () => {
    const existing = [session('desktop', 'pc'), session('web', 'browser'), session('miniprogram', 'mp')];
    expect(evict(existing, 'ios', 'phone')).toEqual([]);
    expect(evict([session('ios', 'phone'), session('web', 'browser')], 'desktop', 'pc')).toEqual([]);
    expect(evict([session('ios', 'phone'), session('desktop', 'pc')], 'web', 'browser')).toEqual([]);
  });

  it('only evicts the same class when other classes are present', () => {
    const existing = [session('web', 'browser'), session('ios', 'phone-1'), session('desktop', 'pc')];
    expect(evict(existing, 'android', 'phone-2')).toEqual([['phone-1', 'same-platform-login']]);
  });

  it('allows one web session without multiDeviceSync', () => {
    const existing = [session('web', 'browser-1')];
    expect(evict(existing, 'web', 'browser-2')).toEqual([['browser-1', 'web-limit']]);
  });

  it('ignores webMaxConnections without multiDeviceSync', () => {
    const existing = [session('web', 'browser-1')];
    expect(evict(existing, 'web', 'browser-2', { webMaxConnections: 10 })).toEqual([['browser-1', 'web-limit']]);
  });

  it('allows up to webMaxConnections web sessions with multiDeviceSync', () => {
    const existing = Array.from({ length: 9 }, (_, i) => session('web', `browser-${i}`));
    expect(evict(existing, 'web', 'browser-new', { multiDeviceSync: true, webMaxConnections: 10 })).toEqual([]);
  });

  it('evicts the earliest web session when the new one would exceed webMaxConnections', () => {
    const existing = Array.from({ length: 10 }, (_, i) => session('web', `browser-${i}`));
    expect(evict(existing, 'web', 'browser-new', { multiDeviceSync: true, webMaxConnections: 10 })).toEqual([
      ['browser-0', 'web-limit'],
    ]);
  });

  it('honours a smaller webMaxConnections', () => {
    const existing = Array.from({ length: 3 }, (_, i) => session('web', `browser-${i}`));
    expect(evict(existing, 'web', 'browser-new', { multiDeviceSync: true, webMaxConnections: 2 })).toEqual([
      ['browser-0', 'web-limit'],
      ['browser-1', 'web-limit'],
    ]);
  });

  it('replaces the old session of a reconnecting device even with multiMobile', () => {
    const existing = [session('ios', 'phone-1'), session('android', 'phone-2')];
    expect(evict(existing, 'ios', 'phone-1', { multiMobile: true })).toEqual([['phone-1', 'same-platform-login']]);
  });

  it('replaces the old session of a reconnecting web device below the web limit', () => {
    const existing = [session('web', 'browser-1'), session('web', 'browser-2')];
    expect(evict(existing, 'web', 'browser-2', { multiDeviceSync: true })).toEqual([
      ['browser-2', 'same-platform-login'],
    ]);
  });

  it('evicts a reconnecting device once, not twice', () => {
    const existing = [session('ios', 'phone-1')];
    expect(evict(existing, 'ios', 'phone-1')).toHaveLength(1);
  });

  it('evicts nothing for a first login', () => {
    expect(evict([], 'web', 'browser')).toEqual([]);
    expect(evict([], 'ios', 'phone')).toEqual([]);
  });
});
