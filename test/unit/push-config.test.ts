import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { pushKeys } from '../helpers/fake-push.js';

/** The `push` block of an app in IM_APPS (docs/push.md "Set-up"), validated at boot. */
const keys = pushKeys();
const apns = { teamId: 'TEAM', keyId: 'KEY', privateKey: keys.apnsPrivateKey, bundleId: 'im.parley.app' };
const fcm = { projectId: 'p', clientEmail: 'a@p.iam.gserviceaccount.com', privateKey: keys.fcmPrivateKey };
const env = (push: unknown) => ({ IM_APPS: JSON.stringify([{ appKey: 'k', appSecret: 's', push }]) });

function configError(push: unknown): string {
  try {
    loadConfig(env(push));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('push config', () => {
  it('takes both providers, APNs production by default', () => {
    const [app] = loadConfig(env({ apns, fcm: { ...fcm, endpoint: 'http://127.0.0.1:9/', tokenUri: 'http://127.0.0.1:9/token' } })).apps;
    expect(app?.push?.apns).toMatchObject({ bundleId: 'im.parley.app', production: true });
    expect(app?.push?.fcm?.tokenUri).toBe('http://127.0.0.1:9/token');
  });

  it('names the field of a key that is not a PEM of the right kind', () => {
    expect(configError({ apns: { ...apns, privateKey: 'not a key' } })).toContain('IM_APPS.0.push.apns.privateKey');
    expect(configError({ apns: { ...apns, privateKey: keys.fcmPrivateKey } })).toContain('IM_APPS.0.push.apns.privateKey: not a PEM EC (ES256) private key');
    expect(configError({ fcm: { ...fcm, privateKey: keys.apnsPrivateKey } })).toContain('IM_APPS.0.push.fcm.privateKey: not a PEM RSA (RS256) private key');
  });

  it('names a missing field, a bad URL and an unknown key', () => {
    expect(configError({ apns: { ...apns, bundleId: undefined } })).toContain('IM_APPS.0.push.apns.bundleId');
    expect(configError({ fcm: { ...fcm, endpoint: 'not a url' } })).toContain('IM_APPS.0.push.fcm.endpoint');
    expect(configError({ hms: {} })).toContain('IM_APPS.0.push');
  });
});
