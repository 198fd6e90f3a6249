import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The message loadConfig(env) throws; fails the test if it throws no ConfigError. */
function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected loadConfig to throw');
}

const app = (extra: Record<string, unknown> = {}) => ({ appKey: 'key-a', appSecret: 'secret-a', ...extra });
const apps = (...list: unknown[]) => ({ IM_APPS: JSON.stringify(list) });

describe('loadConfig defaults', () => {
  it('fills listener, storage and logging defaults from an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe('./data');
    expect(config.logLevel).toBe('info');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.nodeId).toBeUndefined();
    expect(config.apps).toEqual([]);
    expect(config.adminToken).toBeUndefined();
  });

  it('reads the variables it is given', () => {
    const config = loadConfig({
      PORT: '9001',
      HOST: '127.0.0.1',
      DATA_DIR: ':memory:',
      LOG_LEVEL: 'debug',
      NODE_ID: 'node-7',
      DATABASE_URL: 'postgres://u:p@db:5432/parley',
      REDIS_URL: 'redis://cache:6379',
      ADMIN_TOKEN: 'an-admin-token-of-32-characters',
    });
    expect(config).toMatchObject({
      port: 9001,
      host: '127.0.0.1',
      dataDir: ':memory:',
      logLevel: 'debug',
      nodeId: 'node-7',
      databaseUrl: 'postgres://u:p@db:5432/parley',
      redisUrl: 'redis://cache:6379',
      adminToken: 'an-admin-token-of-32-characters',
    });
  });

  it('reads REDIS_CLUSTER_NODES: host:port seeds, or redis:// and rediss:// URLs whose user and password apply to every node', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001' }).redisCluster).toEqual({
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }],
      username: undefined,
      password: undefined,
      tls: false,
      waitReplicas: 1,
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'rediss://app:s%40cret@r1:6380,rediss://r2:6380/0', REDIS_CLUSTER_WAIT_REPLICAS: '0' }).redisCluster).toEqual({
      nodes: [{ host: 'r1', port: 6380 }, { host: 'r2', port: 6380 }],
      username: 'app',
      password: 's@cret',
      tls: true,
      waitReplicas: 0,
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis://:only-password@r1:7000' }).redisCluster).toMatchObject({ username: undefined, password: 'only-password' });
    expect(loadConfig({}).redisCluster).toBeUndefined();
  });

  it('refuses a REDIS_CLUSTER_NODES without a port, with a database, mixing TLS or passwords, or set with REDIS_URL', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'r1' })).toThrow(/REDIS_CLUSTER_NODES: "r1" is not host:port/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://r1:7000/2' })).toThrow(/REDIS_CLUSTER_NODES: .*database 0 only/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'rediss://r1:7000,redis://r2:7000' })).toThrow(/REDIS_CLUSTER_NODES: mixes redis:\/\/ and rediss:\/\//);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://:a@r1:7000,redis://:b@r2:7000' })).toThrow(/REDIS_CLUSTER_NODES: gives different users or passwords/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: ' , ' })).toThrow(/REDIS_CLUSTER_NODES: names no node/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000', REDIS_URL: 'redis://r1:6379' })).toThrow(/REDIS_URL and REDIS_CLUSTER_NODES are both set/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000', REDIS_CLUSTER_WAIT_REPLICAS: '-1' })).toThrow(/REDIS_CLUSTER_WAIT_REPLICAS/);
  });

  it('refuses an ADMIN_TOKEN shorter than 16 characters, naming it', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN: at least 16 characters/);
  });
});

describe('loadConfig IM_APPS', () => {
  it('fills every feature default for an app without features', () => {
    const [parsed] = loadConfig(apps(app())).apps;
    expect(parsed?.appKey).toBe('key-a');
    expect(parsed?.appSecret).toBe('secret-a');
    expect(parsed?.features).toMatchObject({
      multiDeviceSync: false,
      offlineCompensationDays: 1,
      offlineMessageDays: 7,
      historyPrivateGroup: false,
      historyPrivateGroupDays: 180,
      historyChatroom: false,
      historyChatroomDays: 60,
      historyUltraGroupDays: 7,
      multiMobile: false,
      webMaxConnections: 10,
      friendsOnly: false,
      timezone: 'UTC',
    });
  });

  it('keeps given features and defaults the rest', () => {
    const [parsed] = loadConfig(
      apps(app({ features: { multiDeviceSync: true, offlineCompensationDays: 7, timezone: 'Asia/Shanghai' } })),
    ).apps;
    expect(parsed?.features.multiDeviceSync).toBe(true);
    expect(parsed?.features.offlineCompensationDays).toBe(7);
    expect(parsed?.features.timezone).toBe('Asia/Shanghai');
    expect(parsed?.features.webMaxConnections).toBe(10);
    expect(parsed?.features.multiMobile).toBe(false);
  });

  it('parses several apps in order', () => {
    const config = loadConfig(apps(app(), { appKey: 'key-b', appSecret: 'secret-b' }));
    expect(config.apps.map((a) => a.appKey)).toEqual(['key-a', 'key-b']);
  });
});

describe('loadConfig IM_APPS_FILE', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads the apps from the file', () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
    const file = join(dir, 'apps.json');
    writeFileSync(file, JSON.stringify([app({ features: { friendsOnly: true } })]));
    const [parsed] = loadConfig({ IM_APPS_FILE: file }).apps;
    expect(parsed?.appKey).toBe('key-a');
    expect(parsed?.features.friendsOnly).toBe(true);
    expect(parsed?.features.offlineMessageDays).toBe(7);
  });

  it('names IM_APPS_FILE in errors about the file contents', () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
    const file = join(dir, 'apps.json');
    writeFileSync(file, JSON.stringify([app({ features: { webMaxConnections: 0 } })]));
    expect(configError({ IM_APPS_FILE: file })).toContain('IM_APPS_FILE.0.features.webMaxConnections');
  });

  it('refuses an unreadable file, naming the variable and the path', () => {
    const missing = join(tmpdir(), 'parley-config-missing', 'nope.json');
    const message = configError({ IM_APPS_FILE: missing });
    expect(message).toContain('IM_APPS_FILE');
    expect(message).toContain(missing);
  });
});

describe('loadConfig errors', () => {
  it('names the field path of an out-of-range feature', () => {
    const message = configError(apps(app({ features: { offlineCompensationDays: 9 } })));
    expect(message).toContain('IM_APPS.0.features.offlineCompensationDays');
  });

  it('names the index of the faulty app', () => {
    const message = configError(apps(app(), { appKey: 'key-b', appSecret: '' }));
    expect(message).toContain('IM_APPS.1.appSecret');
  });

  it('names PORT when it is not a number', () => {
    expect(configError({ PORT: 'abc' })).toContain('PORT');
  });

  it('names PORT when it is out of range', () => {
    expect(configError({ PORT: '70000' })).toContain('PORT');
  });

  it('names LOG_LEVEL when it is not a pino level', () => {
    expect(configError({ LOG_LEVEL: 'verbose' })).toContain('LOG_LEVEL');
  });

  it('refuses a time zone that is not IANA', () => {
    const message = configError(apps(app({ features: { timezone: 'Mars/Olympus_Mons' } })));
    expect(message).toContain('IM_APPS.0.features.timezone');
  });

  it('refuses an unknown feature key', () => {
    const message = configError(apps(app({ features: { offlineDays: 3 } })));
    expect(message).toContain('IM_APPS.0.features');
    expect(message).toContain('offlineDays');
  });

  it('refuses an unknown app key', () => {
    expect(configError(apps(app({ secret: 'x' })))).toContain('secret');
  });

  it('names IM_APPS when it is not JSON', () => {
    const message = configError({ IM_APPS: '[{"appKey":' });
    expect(message).toContain('IM_APPS');
    expect(message).toMatch(/JSON/);
  });

  it('refuses a JSON value that is not an array', () => {
    expect(configError({ IM_APPS: JSON.stringify(app()) })).toContain('IM_APPS');
  });

  it('refuses duplicate appKey values', () => {
    const message = configError(apps(app(), app({ appSecret: 'other' })));
    expect(message).toContain('IM_APPS');
    expect(message).toMatch(/unique/);
  });

  it('refuses IM_APPS and IM_APPS_FILE together', () => {
    const message = configError({ ...apps(app()), IM_APPS_FILE: '/tmp/apps.json' });
    expect(message).toContain('IM_APPS');
    expect(message).toContain('IM_APPS_FILE');
  });
});

describe('loadConfig callbacks', () => {
  it('fills the callback defaults and keeps an app without callbacks without them', () => {
    const [withCallbacks, without] = loadConfig(apps(app({ callbacks: { messageRoute: { url: 'https://backend.example/route' } } }), app({ appKey: 'key-b' }))).apps;
    expect(withCallbacks!.callbacks).toEqual({
      messageRoute: { url: 'https://backend.example/route', includeServerApi: false, includeStatus: false, includeBlocked: false },
      horizonHours: 24,
      timeoutMs: 5000,
    });
    expect(without!.callbacks).toBeUndefined();
  });

  it('stops at a callback URL that is not a URL, naming the field', () => {
    expect(configError(apps(app({ callbacks: { messageRoute: { url: 'not a url' } } })))).toMatch(/^IM_APPS\.0\.callbacks\.messageRoute\.url: /);
    expect(configError(apps(app({ callbacks: { onlineStatus: { url: 'ftp://backend.example/x' } } })))).toMatch(/^IM_APPS\.0\.callbacks\.onlineStatus\.url: not an http\(s\) URL/);
  });

  it('stops at a negative timeout or horizon, naming the field', () => {
    expect(configError(apps(app({ callbacks: { timeoutMs: -1 } })))).toMatch(/^IM_APPS\.0\.callbacks\.timeoutMs: /);
    expect(configError(apps(app({ callbacks: { horizonHours: -2 } })))).toMatch(/^IM_APPS\.0\.callbacks\.horizonHours: /);
    expect(configError(apps(app({ callbacks: { beforeSend: { url: 'http://127.0.0.1/x', timeoutMs: -1 } } })))).toMatch(/^IM_APPS\.0\.callbacks\.beforeSend\.timeoutMs: /);
    expect(configError(apps(app({ callbacks: { beforeSend: { url: 'moderation' } } })))).toMatch(/^IM_APPS\.0\.callbacks\.beforeSend\.url: /);
  });

  it('fills the pre-send defaults: 3 s, fail open, devices only', () => {
    const [withModeration] = loadConfig(apps(app({ callbacks: { beforeSend: { url: 'https://backend.example/moderate' } } }))).apps;
    expect(withModeration!.callbacks?.beforeSend).toEqual({ url: 'https://backend.example/moderate', timeoutMs: 3000, failOpen: true, includeServerApi: false });
  });

  it('refuses an unknown callback option', () => {
    expect(configError(apps(app({ callbacks: { messageRoute: { url: 'http://127.0.0.1/x', includeEverything: true } } })))).toContain('IM_APPS.0.callbacks.messageRoute');
  });
});

describe('loadConfig WebSocket limits', () => {
  it('defaults to 200 frames a second, 600 connections a minute per address, no proxy trusted', () => {
    expect(loadConfig({}).websocket).toEqual({ framesPerSecond: 200, connectionsPerMinute: 600, trustProxy: false });
    expect(loadConfig({ WS_FRAMES_PER_SECOND: '0', WS_CONNECTIONS_PER_MINUTE: '0', TRUST_PROXY: 'true' }).websocket).toEqual({ framesPerSecond: 0, connectionsPerMinute: 0, trustProxy: true });
  });

  it('stops at a limit that is not a count, or a TRUST_PROXY that is not a boolean, naming the variable', () => {
    expect(configError({ WS_FRAMES_PER_SECOND: 'many' })).toMatch(/^WS_FRAMES_PER_SECOND: /);
    expect(configError({ WS_CONNECTIONS_PER_MINUTE: '-1' })).toMatch(/^WS_CONNECTIONS_PER_MINUTE: /);
    expect(configError({ TRUST_PROXY: 'yes' })).toMatch(/^TRUST_PROXY: /);
  });
});

describe('loadConfig IM_APPS tencent (docs/tencent-im.md)', () => {
  it('reads sdkAppId and secretKey, defaulting the administrators to "administrator"', () => {
    const [parsed] = loadConfig(apps(app({ tencent: { sdkAppId: 1400000001, secretKey: 'k' } }))).apps;
    expect(parsed?.tencent).toEqual({ sdkAppId: 1400000001, secretKey: 'k', administrators: ['administrator'] });
  });

  it('refuses two apps of one sdkAppId, a missing key and an administrator that is no user id', () => {
    const tencent = { sdkAppId: 1400000001, secretKey: 'k' };
    expect(configError(apps(app({ tencent }), { ...app({ tencent }), appKey: 'key-b' }))).toMatch(/tencent\.sdkAppId values must be unique/);
    expect(configError(apps(app({ tencent: { sdkAppId: 1400000001 } })))).toMatch(/IM_APPS\.0\.tencent\.secretKey/);
    expect(configError(apps(app({ tencent: { ...tencent, administrators: ['not an id'] } })))).toMatch(/IM_APPS\.0\.tencent\.administrators\.0/);
  });
});
