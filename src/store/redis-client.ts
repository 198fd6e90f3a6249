import { Cluster, Redis } from 'ioredis';

/** A single Redis or a Redis Cluster: every seam issues the same commands to either. */
export type RedisClient = Redis | Cluster;

/** A Redis Cluster to connect to (REDIS_CLUSTER_NODES). */
export interface RedisClusterTarget {
  /** Seed nodes: the client learns the rest of the cluster from any of them. */
  nodes: Array<{ host: string; port: number }>;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  /** Replicas of its master that must have an inbox append before it is acknowledged (inbox.redis.ts). */
  waitReplicas: number;
}

export interface RedisClientOptions {
  /** A command (and a connection attempt) that takes longer fails. */
  timeoutMs: number;
}

/** A connection to `target` (a `redis://` URL or a cluster), not connected yet (`connect()`). */
export function createRedisClient(target: string | RedisClusterTarget, options: RedisClientOptions): RedisClient {
  const perConnection = { maxRetriesPerRequest: 2, connectTimeout: options.timeoutMs, commandTimeout: options.timeoutMs };
  if (typeof target === 'string') return new Redis(target, { lazyConnect: true, enableAutoPipelining: true, ...perConnection });
  return new Cluster(target.nodes, {
    lazyConnect: true,
    enableAutoPipelining: true,
    // Node events use SSUBSCRIBE/SPUBLISH (bus.redis.ts): ioredis keeps one subscriber per
    // master and moves the subscriptions when slots move (a failover).
    shardedSubscribers: true,
    // Reads the topology now and then, not only after a redirection: a replica that joined
    // is waited for again (inbox.redis.ts), a node that left is forgotten.
    slotsRefreshInterval: 5_000,
    redisOptions: {
      ...perConnection,
      username: target.username,
      password: target.password,
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}

/**
 * The hash tag of the keys that one script or multi-key command touches together: `{part}`
 * on a cluster (every key naming the same tag lands in one slot), `part` as it is on a
 * single Redis (the key names of before clusters, so an upgrade keeps the data).
 */
export function hashTag(redis: RedisClient, part: string): string {
  return redis.isCluster ? `{${part}}` : part;
}

/** A key's slot (the Redis Cluster spec: CRC16-XMODEM of its hash tag, or of the key, mod 16384). */
export function clusterSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  let crc = 0;
  for (const byte of Buffer.from(close > open + 1 ? key.slice(open + 1, close) : key)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/**
 * The connection to the master that serves `key` and the number of its replicas, as far as
 * the client knows (a redirected command makes it read the topology again): where a WAIT
 * after a write on the key goes, and how many replicas it can hope for.
 */
export function shardOf(cluster: Cluster, key: string): { master: Redis | undefined; replicas: number } {
  const [master, ...replicas] = cluster.slots[clusterSlot(key)] ?? [];
  return { master: cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === master), replicas: replicas.length };
}

/**
 * Every master's connection: what a scan of the whole keyspace must walk (a cluster's
 * SCAN would see one node only). Never on the hot path.
 */
export function masters(redis: RedisClient): Redis[] {
  return redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
}
