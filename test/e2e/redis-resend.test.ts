import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisInbox } from '../../src/store/inbox.redis.js';
import { createRedisOnceStore } from '../../src/store/once.redis.js';
import { createRedisClient, type RedisClient } from '../../src/store/redis-client.js';
import { freshStorage, onRedisCluster, storageMode, type TestStorage } from '../helpers/storage.js';

/**
 * A TCP proxy in front of the shared Redis that can lose one reply: armed, it forwards the
 * next request that contains `marker`, lets Redis run it, and cuts both connections when the
 * reply comes instead of passing it on. The client then reconnects and, as ioredis does,
 * sends the unanswered command again.
 */
class ReplyCutter {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private marker: string | undefined;
  cuts = 0;

  constructor(private readonly redisPort: number) {
    this.server = createServer((client) => this.pipe(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** The next request containing `marker` (a command name, in any case) runs, and its reply is lost with the connection. */
  cutReplyTo(marker: string): void {
    this.marker = marker.toLowerCase();
  }

  private pipe(client: Socket): void {
    const redis = connect(this.redisPort, '127.0.0.1');
    this.sockets.add(client).add(redis);
    let cutting = false;
    client.on('data', (chunk) => {
      if (this.marker && chunk.toString('latin1').toLowerCase().includes(this.marker)) {
        this.marker = undefined;
        cutting = true;
      }
      redis.write(chunk);
    });
    redis.on('data', (chunk) => {
      if (!cutting) return void client.write(chunk);
      this.cuts++;
      client.destroy();
      redis.destroy();
    });
    for (const socket of [client, redis]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        redis.destroy();
        this.sockets.delete(socket);
      });
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe.runIf(storageMode === 'services' && !onRedisCluster)('Redis scripts whose reply was lost', () => {
  let storage: TestStorage;
  let cutter: ReplyCutter;
  let redis: RedisClient;

  beforeAll(async () => {
    storage = await freshStorage();
    const url = new URL(storage.redisUrl!);
    cutter = new ReplyCutter(Number(url.port || 6379));
    url.port = String(await cutter.listen());
    redis = createRedisClient(url.href, { timeoutMs: 5_000 });
    await redis.connect();
  });
  afterAll(async () => {
    redis.disconnect();
    await cutter.close();
    await storage.release();
  });

  it('an inbox append is sent again by ioredis after the reconnect, and its second run finds the entry instead of appending it twice', async () => {
    const inbox = createRedisInbox(redis, storage.redisNamespace, { waitReplicas: 0, waitTimeoutMs: 0 });
    const limits = { retentionMs: 86_400_000, cap: 1_000 };
    const now = Date.now();
    // Loads the script into Redis, so that the append below is one EVALSHA.
    await inbox.append('app', [{ userId: 'warm', payload: 'w', messageUId: 'M-WARM' }], now, limits);

    cutter.cutReplyTo('EVALSHA');
    const [appended] = await inbox.append('app', [{ userId: 'bob', payload: 'hello', messageUId: 'M-ONCE' }], now, limits);

    expect(cutter.cuts).toBe(1);
    const page = await inbox.read('app', 'bob', 0, 10, now, limits);
    expect(page.entries.map((e) => e.payload)).toEqual(['hello']);
    expect(appended!.seq).toBe(page.entries[0]!.seq);
  });

  it('an idempotency claim sent again finds its own lease and still holds it (not "running", which would leave the request undone)', async () => {
    const once = createRedisOnceStore(redis, storage.redisNamespace);
    const now = Date.now();
    await once.begin('warm', 'warm-stamp', now, 30_000, 60_000); // loads the script

    const cutsBefore = cutter.cuts;
    cutter.cutReplyTo('EVALSHA');
    expect(await once.begin('send-1', 'stamp-1', now, 30_000, 60_000)).toEqual({ state: 'first' });
    expect(cutter.cuts).toBe(cutsBefore + 1);
    expect(await once.begin('send-1', 'stamp-2', now, 30_000, 60_000)).toEqual({ state: 'running' });
  });
});
