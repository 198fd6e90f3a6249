import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice } from '../helpers/device.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { storageMode } from '../helpers/storage.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

async function makeGroup(groupId: string, size: number): Promise<void> {
  const members = Array.from({ length: size }, (_, i) => `${groupId}-m${i}`);
  for (let i = 0; i < size; i += 1000) {
    const res = await t.app().post('/group/join.json', { userId: members.slice(i, i + 1000), groupId, groupName: groupId });
    expect(res.body.code).toBe(200);
  }
}

const send = (groupId: string) =>
  t.app().post('/message/group/publish.json', { fromUserId: `${groupId}-m0`, toGroupId: groupId, objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'fan out' }) });

describe('group fan-out', () => {
  it('writes every member\'s inbox entry and a 3,000-member group reaches an offline member', async () => {
    await makeGroup('big', 3000);
    expect((await send('big')).body.code).toBe(200);
    const last = await connectDevice(t, t.app(), 'big-m2999');
    expect(last.messages).toMatchObject([{ conversationType: 3, targetId: 'big' }]);
  });

  it.runIf(storageMode === 'services')('a one-to-one device send costs one Redis round trip: inbox append and presence together', async () => {
    const sender = await connectDevice(t, t.app(), 'rt-sender');
    await connectDevice(t, t.app(), 'rt-receiver', { autoAck: false });
    const send = () => sender.client.send({ conversationType: 1, targetId: 'rt-receiver', objectName: 'RC:TxtMsg', content: { content: 'one trip' } });
    await send(); // warms the per-node caches (relations, profile, word list)
    // The single Redis of the services project: its one connection's socket writes.
    const redis = t.deps.redis as Redis;
    const writesOf = async () => {
      let writes = 0;
      const write = redis.stream.write.bind(redis.stream);
      redis.stream.write = ((...args: Parameters<typeof write>) => (writes++, write(...args))) as typeof redis.stream.write;
      try {
        await send();
      } finally {
        redis.stream.write = write;
      }
      return writes;
    };
    // The fewest of three sends: the node's own timers (liveness) may write during one.
    expect(Math.min(await writesOf(), await writesOf(), await writesOf())).toBe(1);
  });

  it.runIf(storageMode === 'services')('costs the same number of Redis round trips for 3,000 members as for 10', async () => {
    await makeGroup('small', 10);
    await makeGroup('huge', 3000);
    // The single Redis of the services project: its one connection's socket writes.
    const redis = t.deps.redis as Redis;
    // Warm the membership cache and sender profile path once per group.
    await send('small');
    await send('huge');
    const roundTrips = async (groupId: string) => {
      let writes = 0;
      const write = redis.stream.write.bind(redis.stream);
      redis.stream.write = ((...args: Parameters<typeof write>) => {
        writes++;
        return write(...args);
      }) as typeof redis.stream.write;
      try {
        expect((await send(groupId)).body.code).toBe(200);
      } finally {
        redis.stream.write = write;
      }
      return writes;
    };
    // The fewest of three sends: the node's own timers (liveness) may write during one.
    const fewest = async (groupId: string) => Math.min(await roundTrips(groupId), await roundTrips(groupId), await roundTrips(groupId));
    const small = await fewest('small');
    const huge = await fewest('huge');
    expect(small).toBeGreaterThan(0);
    // A big group adds one write (its inbox calls go as one pipeline), whatever its size.
    expect(huge).toBeLessThanOrEqual(small + 1);
  });
});
