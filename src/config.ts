import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { apiPath } from './model/api-path.js';
import { idPattern } from './core/input-rules.js';
import type { RedisClusterTarget } from './store/redis-client.js';

/** Per-app feature toggles (docs/architecture.md "Config"); every field optional in the input. */
export const featuresSchema = z
  .object({
    multiDeviceSync: z.boolean().default(false),
    offlineCompensationDays: z.number().int().min(1).max(7).default(1),
    offlineMessageDays: z.number().int().min(1).max(365).default(7),
    offlineMessageCap: z.number().int().min(1).max(1_000_000).default(10_000),
    historyPrivateGroup: z.boolean().default(false),
    historyPrivateGroupDays: z.number().int().min(1).default(180),
    historyChatroom: z.boolean().default(false),
    historyChatroomDays: z.number().int().min(1).default(60),
    historyUltraGroupDays: z.number().int().min(1).default(7),
    multiMobile: z.boolean().default(false),
    webMaxConnections: z.number().int().min(1).max(100).default(10),
    friendsOnly: z.boolean().default(false),
    /** A connected device that has not acked a message this long after it was sent is pushed it (0: never). */
    pushAfterUnackedMs: z.number().int().min(0).max(3_600_000).default(5_000),
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'not an IANA time zone' })
      .default('UTC'),
  })
  .strict();

export type Features = z.infer<typeof featuresSchema>;

/** Signed calls older than this, or replayed within it, are refused (docs/server-api.md "Signing"). */
export const defaultSignatureMaxAgeSeconds = 300;

const callbackUrl = z
  .string()
  .url()
  .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), { message: 'not an http(s) URL' });

/** The app backend's event feed (docs/callbacks.md); each callback is off unless given a URL. */
export const callbacksSchema = z
  .object({
    /** Post-send routing: one form POST per committed message. */
    messageRoute: z
      .object({
        url: callbackUrl,
        includeServerApi: z.boolean().default(false),
        includeStatus: z.boolean().default(false),
        includeBlocked: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /**
     * Pre-send moderation (RongCloud's message callback service): a device's message waits for
     * the app's answer, which lets it through, blocks it or replaces parts of it.
     */
    beforeSend: z
      .object({
        url: callbackUrl,
        timeoutMs: z.number().int().min(100).max(30_000).default(3_000),
        /** No answer in time (or an error): deliver the message unchanged (true) or refuse it (false). */
        failOpen: z.boolean().default(true),
        includeServerApi: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** Online-status changes, JSON arrays of events. */
    onlineStatus: z.object({ url: callbackUrl }).strict().optional(),
    /** How long an owed callback is retried, and how long events are kept for pull and replay. */
    horizonHours: z.number().positive().max(24 * 30).default(24),
    /** How long one POST may take before it counts as failed (RongCloud gives a receiver 5 s). */
    timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  })
  .strict();

export type CallbacksConfig = z.infer<typeof callbacksSchema>;

/** A PEM private key that node:crypto can read, of the algorithm the provider signs with. */
const privateKeyPem = (type: 'ec' | 'rsa') =>
  z.string().min(1).refine((pem) => keyTypeOf(pem) === type, { message: `not a PEM ${type === 'ec' ? 'EC (ES256)' : 'RSA (RS256)'} private key` });

/** Push providers of an app (docs/push.md); an `http://` endpoint means cleartext (tests, private gateways). */
export const pushSchema = z
  .object({
    apns: z
      .object({
        teamId: z.string().min(1).max(32),
        keyId: z.string().min(1).max(32),
        privateKey: privateKeyPem('ec'),
        bundleId: z.string().min(1).max(255),
        production: z.boolean().default(true),
        endpoint: z.string().url().optional(),
      })
      .strict()
      .optional(),
    fcm: z
      .object({
        projectId: z.string().min(1).max(128),
        clientEmail: z.string().min(1).max(255),
        privateKey: privateKeyPem('rsa'),
        endpoint: z.string().url().optional(),
        tokenUri: z.string().url().optional(),
      })
      .strict()
      .optional(),
    /** Per-app bodies for the built-in types, by objectName (docs/push.md "What is pushed"). */
    defaults: z.record(z.string().min(1).max(32), z.string().max(256)).optional(),
  })
  .strict();

export type PushConfig = z.infer<typeof pushSchema>;

/**
 * Tencent IM's REST dialect for the app (docs/tencent-im.md): its SDKAppID, the key UserSigs
 * are signed with, and the administrator accounts whose UserSig may call `/v4/<service>/<command>`.
 */
export const tencentSchema = z
  .object({
    sdkAppId: z.number().int().positive().max(2 ** 32 - 1),
    secretKey: z.string().min(1).max(256),
    administrators: z.array(z.string().regex(idPattern, 'a user id: 1–64 letters, digits or + | = - _')).min(1).max(100).default(['administrator']),
  })
  .strict();

export type TencentConfig = z.infer<typeof tencentSchema>;

export const appSchema = z
  .object({
    appKey: z.string().min(1).max(64),
    appSecret: z.string().min(1).max(128),
    /** Optional freshness window for signed REST calls; absent means none (docs/server-api.md). */
    /**
     * How old a signed call's Timestamp may be, and how long its Nonce may not be used again
     * (docs/server-api.md "Signing"); 0 turns both checks off (the official Node SDK signs once).
     */
    signatureMaxAgeSeconds: z.number().int().min(0).max(86_400).default(defaultSignatureMaxAgeSeconds),
    features: featuresSchema.default(featuresSchema.parse({})),
    /**
     * Calls per second the app may make to a server-API path, across all nodes (over it:
     * 1008, HTTP 429); paths not named are not limited. `/x.json` and `/x` are one path.
     */
    rateLimits: z
      .record(z.string().regex(/^\/[\w/.-]{1,200}$/, 'a server-API path such as /message/private/publish.json'), z.number().int().positive())
      .transform((limits) => Object.fromEntries(Object.entries(limits).map(([path, perSecond]) => [apiPath(path), perSecond])))
      .optional(),
    callbacks: callbacksSchema.optional(),

    push: pushSchema.optional(),
    tencent: tencentSchema.optional(),
  })
  .strict();

export type AppConfig = z.infer<typeof appSchema>;

const appsSchema = z
  .array(appSchema)
  .refine((apps) => new Set(apps.map((a) => a.appKey)).size === apps.length, {
    message: 'appKey values must be unique',
  })
  .refine((apps) => sameTencentApp(apps) === undefined, { message: 'tencent.sdkAppId values must be unique' });

/** The sdkAppId two apps both claim, if any: a Tencent call must name one app. */
export function sameTencentApp(apps: ReadonlyArray<Pick<AppConfig, 'appKey' | 'tencent'>>): number | undefined {
  const seen = new Set<number>();
  for (const app of apps) {
    if (!app.tencent) continue;
    if (seen.has(app.tencent.sdkAppId)) return app.tencent.sdkAppId;
    seen.add(app.tencent.sdkAppId);
  }
  return undefined;
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z.string().url().optional(),
  REDIS_CLUSTER_NODES: z.string().transform(parseClusterNodes).optional(),
  /** Replicas that must have an inbox append before it is acknowledged; 0: none (a cluster without replicas). */
  REDIS_CLUSTER_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).default(1),
  IM_APPS: z.string().optional(),
  IM_APPS_FILE: z.string().optional(),
  NODE_ID: z.string().min(1).max(64).optional(),
  STORE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** Frames one WebSocket session may send per second on average (twice that at once); 0: no limit. */
  WS_FRAMES_PER_SECOND: z.coerce.number().int().min(0).max(100_000).default(200),
  /** New WebSocket connections per client address per minute, across nodes; 0: no limit. */
  WS_CONNECTIONS_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
  /** Behind a reverse proxy: the client address is the last one the proxy added to X-Forwarded-For. */
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  /** A Redis Cluster instead of one Redis (REDIS_CLUSTER_NODES; never both). */
  redisCluster: RedisClusterTarget | undefined;
  /** Empty when no app is configured: the server then creates a development app. */
  apps: AppConfig[];
  nodeId: string | undefined;
  /** How long a Postgres query or a Redis command may take (and a connection attempt) before it fails as 1050. */
  storeTimeoutMs: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** When set, `GET /metrics` asks for `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** The admin API's bearer token (docs/admin.md); unset: the API is off, but for the development start. */
  adminToken: string | undefined;
  /** Limits on WebSocket clients (docs/reliability.md "Limits"); 0 turns one off. */
  websocket: { framesPerSecond: number; connectionsPerMinute: number; trustProxy: boolean };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the environment once; the only place that knows variable names. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset (a blank PORT= line must not mean port 0).
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const e = parsed.data;
  if (e.REDIS_URL !== undefined && e.REDIS_CLUSTER_NODES !== undefined) {
    throw new ConfigError('REDIS_URL and REDIS_CLUSTER_NODES are both set: use one');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    redisCluster: e.REDIS_CLUSTER_NODES && { ...e.REDIS_CLUSTER_NODES, waitReplicas: e.REDIS_CLUSTER_WAIT_REPLICAS },
    apps: readApps(e.IM_APPS, e.IM_APPS_FILE),
    nodeId: e.NODE_ID,
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    adminToken: e.ADMIN_TOKEN,
    websocket: { framesPerSecond: e.WS_FRAMES_PER_SECOND, connectionsPerMinute: e.WS_CONNECTIONS_PER_MINUTE, trustProxy: e.TRUST_PROXY },
  };
}

/**
 * `host:port,host:port,…`; an entry may be a `redis://` or `rediss://` (TLS) URL as
 * REDIS_URL, whose user and password then apply to every node: the entries that give
 * them must agree. A cluster has one database: a URL naming another is refused.
 */
function parseClusterNodes(text: string, ctx: z.RefinementCtx): Omit<RedisClusterTarget, 'waitReplicas'> {
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const nodes: RedisClusterTarget['nodes'] = [];
  const schemes = new Set<string>();
  const credentials = new Set<string>();
  for (const entry of entries) {
    let url: URL;
    try {
      url = new URL(/^rediss?:\/\//.test(entry) ? entry : `redis://${entry}`);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port or a redis:// URL` });
      continue;
    }
    const port = Number(url.port);
    if (url.hostname === '' || !Number.isInteger(port) || port < 1 || (url.pathname !== '' && !/^\/0?$/.test(url.pathname))) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port (a cluster has database 0 only)` });
      continue;
    }
    nodes.push({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    if (/^rediss?:\/\//.test(entry)) schemes.add(url.protocol);
    if (url.username !== '' || url.password !== '') credentials.add(`${url.username}:${url.password}`);
  }
  if (nodes.length === 0) ctx.addIssue({ code: 'custom', message: 'names no node' });
  if (schemes.size > 1) ctx.addIssue({ code: 'custom', message: 'mixes redis:// and rediss://' });
  if (credentials.size > 1) ctx.addIssue({ code: 'custom', message: 'gives different users or passwords' });
  const [credential] = credentials;
  const colon = credential?.indexOf(':') ?? -1;
  return {
    nodes,
    username: credential && colon > 0 ? decodeURIComponent(credential.slice(0, colon)) : undefined,
    password: credential && colon < credential.length - 1 ? decodeURIComponent(credential.slice(colon + 1)) : undefined,
    tls: schemes.has('rediss:'),
  };
}

function readApps(inline: string | undefined, file: string | undefined): AppConfig[] {
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError('IM_APPS and IM_APPS_FILE are both set: use one');
  }
  const variable = inline !== undefined ? 'IM_APPS' : 'IM_APPS_FILE';
  let text = inline;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`IM_APPS_FILE: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  if (text === undefined || text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${variable}: not valid JSON: ${(err as Error).message}`);
  }
  const apps = appsSchema.safeParse(json);
  if (!apps.success) throw new ConfigError(describeIssues(apps.error, variable));
  return apps.data;
}

/** Zod's issues as one line, each prefixed by where it is (`IM_APPS.0.features.timezone: …`). */
export function describeIssues(error: z.ZodError, variable?: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String);
      const where = variable ? [variable, ...path].join('.') : path.join('.');
      return `${where || variable || 'config'}: ${issue.message}`;
    })
    .join('; ');
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function keyTypeOf(pem: string): string | undefined {
  try {
    const key = createPrivateKey(pem);
    // ES256 is ECDSA over P-256 only.
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return 'ec (not P-256)';
    return key.asymmetricKeyType;
  } catch {
    return undefined;
  }
}
