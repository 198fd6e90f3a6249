import type { App } from '../core/apps.js';
import type { PushProvider, PushProviders } from '../core/push/provider.js';
import type { PushProviderName } from '../model/push.js';
import { ApnsProvider } from './apns.js';
import { FcmProvider } from './fcm.js';

/** Each app's configured providers, made when first needed and kept (their connections and tokens are reused). */
export function createPushProviders(now: () => number): PushProviders {
  const made = new Map<string, PushProvider | undefined>();
  const apns: ApnsProvider[] = [];
  return {
    of(app: App, provider: PushProviderName) {
      const key = `${app.appKey}\u0000${provider}`;
      if (!made.has(key)) made.set(key, make(app, provider));
      return made.get(key);
    },
    async close() {
      await Promise.all(apns.map((p) => p.close()));
    },
  };

  function make(app: App, provider: PushProviderName): PushProvider | undefined {
    if (provider === 'fcm') return app.push?.fcm && new FcmProvider(app.push.fcm, now);
    if (!app.push?.apns) return undefined;
    const made = new ApnsProvider(app.push.apns, now);
    apns.push(made);
    return made;
  }
}
