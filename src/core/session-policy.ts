import type { Features } from '../config.js';
import type { SessionInfo } from '../model/session.js';
import type { KickReason } from '../model/kick.js';
import { platformClass, type Platform } from '../model/platform.js';

export interface Eviction {
  session: SessionInfo;
  reason: KickReason;
}

/**
 * Which of a user's live sessions (oldest first) a new login on `platform` evicts
 * (ARCHITECTURE.md "Sessions"):
 * - mobile, desktop, miniprogram: one session per class; `multiMobile` lifts it for mobile;
 * - web: up to `webMaxConnections` with `multiDeviceSync` (else 1), evicting the earliest;
 * - a reconnect of the same device always replaces its old session.
 */
export function sessionsToEvict(
  existing: readonly SessionInfo[],
  incoming: { deviceId: string; platform: Platform },
  features: Pick<Features, 'multiMobile' | 'multiDeviceSync' | 'webMaxConnections'>,
): Eviction[] {
  const incomingClass = platformClass(incoming.platform);
  // The device's own old session is replaced below and must not count toward a limit.
  const sameClass = existing.filter(
    (s) => platformClass(s.platform) === incomingClass && s.deviceId !== incoming.deviceId,
  );
  const evicted = new Set<SessionInfo>();

  if (incomingClass === 'web') {
    const limit = features.multiDeviceSync ? features.webMaxConnections : 1;
    const excess = sameClass.length + 1 - limit;
    for (const session of sameClass.slice(0, Math.max(0, excess))) evicted.add(session);
  } else if (!(incomingClass === 'mobile' && features.multiMobile)) {
    for (const session of sameClass) evicted.add(session);
  }

  const evictions: Eviction[] = [...evicted].map((session) => ({
    session,
    reason: incomingClass === 'web' ? 'web-limit' : 'same-platform-login',
  }));
  for (const session of existing) {
    if (session.deviceId === incoming.deviceId && !evicted.has(session)) {
      evictions.push({ session, reason: 'same-platform-login' });
    }
  }
  return evictions;
}
