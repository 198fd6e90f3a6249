import type { App } from '../core/apps.js';
import type { PushProvider, PushProviders } from '../core/push/provider.js';
import type { PushProviderName } from '../model/push.js';
import { ApnsProvider } from './apns.js';
import { FcmProvider } from './fcm.js';

/**
 * Each app's configured providers, made when first needed and kept (their connections and
 * tokens are reused) while the app's settings of that provider are the same object: a
 * change through the admin API swaps in a new app object, and the next push makes a new
 * provider from it (closing the old APNs connection).
 */
export function createPushProviders(now: () => number): PushProviders {
  const made = new Map<string, { settings: unknown; provider: PushProvider | undefined }>();
  const apns = new Set<ApnsProvider>();
  return {
    of(app: Pick<App, 'appKey' | 'push'>, provider: PushProviderName) {
      const key = `${app.appKey}\u0000${provider}`;
      const settings = app.push?.[provider];
      const kept = made.get(key);
      if (kept && kept.settings === settings) return kept.provider;
      if (kept?.provider instanceof ApnsProvider) void closeApns(kept.provider);
      const fresh = make(app, provider);
      made.set(key, { settings, provider: fresh });
      return fresh;
    },
    async close() {
      await Promise.all([...apns].map(closeApns));
    },
  };

  function closeApns(provider: ApnsProvider): Promise<void> {
    apns.delete(provider);
    return provider.close();
  }

  function make(app: Pick<App, 'appKey' | 'push'>, provider: PushProviderName): PushProvider | undefined {
    if (provider === 'fcm') return app.push?.fcm && new FcmProvider(app.push.fcm, now);
    if (!app.push?.apns) return undefined;
    const made = new ApnsProvider(app.push.apns, now);
    apns.add(made);
    return made;
  }
}
