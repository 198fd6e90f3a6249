import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { buildApp, type ParleyServer } from '../../src/app.js';
import type { RongCloudOptions } from '../../src/gateway/rongcloud/connection.js';
import { ParleyClient, type ClientOptions } from '../../src/client/node.js';
import type { z } from 'zod';
import { appSchema, type AppConfig, type callbacksSchema, type Config, type tencentSchema } from '../../src/config.js';
import { systemClock, type Clock } from '../../src/model/clock.js';
import { createDeps, type Deps, type DepsOptions } from '../../src/deps.js';
import type { GatewayOptions } from '../../src/gateway/gateway.js';
import type { PageOptions } from '../../src/http/routes/pages.js';
import { embeddedDatabase, freshStorage, type TestStorage } from './storage.js';

export interface TestApp extends AppConfig {
  /** Signed POST, form-encoded unless `json` is given. */
  post(path: string, body?: FormBody, options?: { json?: boolean; headers?: Record<string, string> }): Promise<ApiResponse>;
  /** A signed request exactly as given: method, raw body bytes, headers (an SDK's own encoding). */
  raw(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<ApiResponse>;
}

export type FormBody = Record<string, string | number | boolean | Array<string | number> | undefined>;

export interface ApiResponse {
  status: number;
  body: Record<string, unknown> & { code: number };
}

export interface TestServer {
  baseUrl: string;
  wsUrl: string;
  server: ParleyServer;
  deps: Deps;
  storage: TestStorage;
  apps: TestApp[];
  app(index?: number): TestApp;
  /** Registers `userId` (through getToken) and returns a connected client. */
  device(app: TestApp, userId: string, options?: Partial<ClientOptions>): Promise<ParleyClient>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Guards `GET /metrics` (config METRICS_TOKEN). */
  metricsToken?: string;
  /** Turns the admin API on (config ADMIN_TOKEN). */
  adminToken?: string;
  apps?: Array<Partial<Omit<AppConfig, 'features' | 'callbacks' | 'tencent'>> & { features?: Partial<AppConfig['features']>; callbacks?: z.input<typeof callbacksSchema>; tencent?: z.input<typeof tencentSchema> }>;
  gateway?: Partial<GatewayOptions>;
  rongCloud?: Partial<RongCloudOptions>;
  /** Where the pages find the built client (test/helpers/pages.ts builds one). */
  pages?: Partial<PageOptions>;
  clock?: Clock;
  storage?: TestStorage;
  nodeId?: string;
  /** Where the server logs (default: silent, or TEST_LOG_LEVEL to stdout). */
  logger?: Logger;
  /** STORE_TIMEOUT_MS (default 5000). */
  storeTimeoutMs?: number;
  /** Stores shared with other servers of this process (several nodes in one test). */
  shared?: DepsOptions['shared'];
  wrapBus?: DepsOptions['wrapBus'];
  onPushOutcome?: DepsOptions['onPushOutcome'];
}

let appCounter = 0;

/**
 * The app settings the official Node SDK (rongcloud-sdk 3.x) needs: it signs once when it
 * starts and sends that Nonce and Timestamp with every call (docs/server-api.md "Signing").
 */
export const officialNodeSdk = { signatureMaxAgeSeconds: 0 } as const;

/** Starts a real server on 127.0.0.1 with fresh storage; `close()` releases everything. */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const storage = options.storage ?? (await freshStorage());
  const apps = (options.apps ?? [{}]).map((app) =>
    appSchema.parse({
      appKey: app.appKey ?? `app${++appCounter}${Math.random().toString(36).slice(2, 8)}`,
      appSecret: app.appSecret ?? `secret-${Math.random().toString(36).slice(2)}`,
      ...(app.signatureMaxAgeSeconds !== undefined && { signatureMaxAgeSeconds: app.signatureMaxAgeSeconds }),
      ...(app.rateLimits && { rateLimits: app.rateLimits }),
      ...(app.push !== undefined && { push: app.push }),
      features: app.features ?? {},
      ...(app.callbacks !== undefined && { callbacks: app.callbacks }),
      ...(app.tencent !== undefined && { tencent: app.tencent }),
    }),
  );
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    databaseUrl: storage.databaseUrl,
    dataDir: ':memory:',
    redisUrl: storage.redisUrl,
    redisCluster: storage.redisCluster,
    apps,
    nodeId: options.nodeId,
    storeTimeoutMs: options.storeTimeoutMs ?? 5_000,
    logLevel: 'silent',
    metricsToken: options.metricsToken,
    adminToken: options.adminToken,
    // Only main.ts reads these; tests give the gateway its options below.
    websocket: { framesPerSecond: 0, connectionsPerMinute: 0, trustProxy: false },
  };
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  // Embedded: a database started from the run's migrated snapshot, closed with the server.
  const ownSql = !options.shared?.sql && !storage.databaseUrl ? await embeddedDatabase() : undefined;
  const shared = { ...options.shared, ...(ownSql && { sql: ownSql }) };
  const deps = await createDeps(config, logger, { clock: options.clock, redisNamespace: storage.redisNamespace, shared, wrapBus: options.wrapBus, onPushOutcome: options.onPushOutcome });
  // Test files open hundreds of devices from one address: the per-address limit is off unless a test sets it.
  const server = await buildApp(deps, { connectionsPerMinute: 0, ...options.gateway }, options.rongCloud, options.pages);
  await server.http.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.http.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  const clock = options.clock ?? systemClock;
  const testApps = apps.map((app) => ({ ...app, post: signedPoster(baseUrl, app, clock), raw: rawSender(baseUrl, app, clock) }));
  const clients = new Set<ParleyClient>();

  return {
    baseUrl,
    wsUrl,
    server,
    deps,
    storage,
    apps: testApps,
    app: (index = 0) => {
      const app = testApps[index];
      if (!app) throw new Error(`no test app ${index}`);
      return app;
    },
    async device(app, userId, clientOptions = {}) {
      const { body } = await app.post('/user/getToken.json', { userId, name: userId });
      const client = new ParleyClient({
        url: wsUrl,
        token: String(body.token),
        deviceId: `${userId}-device`,
        platform: 'ios',
        reconnect: false,
        ...clientOptions,
      });
      clients.add(client);
      await client.connect();
      return client;
    },
    async close() {
      await Promise.all([...clients].map((c) => c.close()));
      await server.close();
      await deps.close();
      await ownSql?.close();
      if (!options.storage) await storage.release();
    },
  };
}

/** A TestApp for `appKey` on `t` signing with `appSecret`: an app made at run time (the admin API, docs/admin.md). */
export function appOn(t: Pick<TestServer, 'baseUrl' | 'app'>, appKey: string, appSecret: string): TestApp {
  const app = { ...t.app(), appKey, appSecret };
  return { ...app, post: signedPoster(t.baseUrl, app, systemClock), raw: rawSender(t.baseUrl, app, systemClock) };
}

/**
 * Signs like the RongCloud SDKs: sha1(secret + nonce + timestamp) in lowercase hex, with a
 * nonce of its own (a signed call is good once) and, by default, the time now.
 */
export function signHeaders(app: Pick<AppConfig, 'appKey' | 'appSecret'>, timestamp = String(Math.floor(Date.now() / 1000))) {
  const nonce = randomBytes(8).toString('hex');
  return {
    'App-Key': app.appKey,
    Nonce: nonce,
    Timestamp: timestamp,
    Signature: createHash('sha1').update(app.appSecret + nonce + timestamp).digest('hex'),
  };
}

export function formEncode(body: FormBody): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  return params.toString();
}

/** The Timestamp a call signed now carries, by the server's clock (tests move it). */
const signingTime = (clock: Clock) => String(Math.floor(clock.now() / 1000));

function rawSender(baseUrl: string, app: AppConfig, clock: Clock): TestApp['raw'] {
  return async (method, path, body, headers = {}) => {
    const response = await fetch(baseUrl + path, { method, headers: { ...signHeaders(app, signingTime(clock)), ...headers }, ...(body !== undefined && { body }) });
    return { status: response.status, body: (await response.json()) as ApiResponse['body'] };
  };
}

function signedPoster(baseUrl: string, app: AppConfig, clock: Clock): TestApp['post'] {
  return async (path, body = {}, options = {}) => {
    const response = await fetch(baseUrl + path, {
      method: 'POST',
      headers: {
        ...signHeaders(app, signingTime(clock)),
        'Content-Type': options.json ? 'application/json' : 'application/x-www-form-urlencoded',
        ...options.headers,
      },
      body: options.json ? JSON.stringify(body) : formEncode(body),
    });
    return { status: response.status, body: (await response.json()) as ApiResponse['body'] };
  };
}
