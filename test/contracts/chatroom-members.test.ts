import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatroomMembers, RoomMember } from '../../src/store/chatroom-members.js';
import { createMemoryChatroomMembers } from '../../src/store/chatroom-members.memory.js';
import { createRedisChatroomMembers } from '../../src/store/chatroom-members.redis.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import { storageMode, testRedis } from '../helpers/storage.js';
import { testStores, type TestStores } from '../helpers/stores.js';

let stores: TestStores;
let members: ChatroomMembers;
let redis: RedisClient | undefined;
beforeAll(async () => {
  stores = await testStores();
  if (storageMode === 'services') {
    redis = testRedis(stores.storage);
    members = createRedisChatroomMembers(redis, stores.storage.redisNamespace);
  } else {
    members = createMemoryChatroomMembers();
  }
  await stores.presence().keepNodeAlive('n1', 60_000);
});
afterAll(async () => {
  await redis?.quit();
  await stores.close();
});

const member = (sessionId: string, userId: string, joinedAt: number, nodeId = 'n1'): RoomMember => ({ sessionId, userId, nodeId, joinedAt });

describe('ChatroomMembers contract', () => {
  it('lists sessions and distinct users (earliest join first) until they leave', async () => {
    await members.join('A', 'r1', member('s1', 'u1', 30));
    await members.join('A', 'r1', member('s2', 'u2', 10));
    await members.join('A', 'r1', member('s3', 'u1', 5));
    await members.join('B', 'r1', member('s9', 'other-app', 1));
    expect((await members.sessions('A', 'r1')).map((m) => m.sessionId).sort()).toEqual(['s1', 's2', 's3']);
    expect(await members.users('A', 'r1')).toEqual([{ userId: 'u1', joinedAt: 5 }, { userId: 'u2', joinedAt: 10 }]);
    await members.leave('A', 'r1', 's3');
    await members.leave('A', 'r1', 'never-joined');
    expect(await members.users('A', 'r1')).toEqual([{ userId: 'u2', joinedAt: 10 }, { userId: 'u1', joinedAt: 30 }]);
    expect(await members.rooms('A')).toEqual(['r1']);
  });

  it('removes one user\'s sessions, or everyone, and reports whom', async () => {
    await members.join('A', 'r2', member('a', 'x', 1));
    await members.join('A', 'r2', member('b', 'x', 2));
    await members.join('A', 'r2', member('c', 'y', 3));
    expect((await members.removeUser('A', 'r2', 'x')).map((m) => m.sessionId).sort()).toEqual(['a', 'b']);
    expect((await members.sessions('A', 'r2')).map((m) => m.sessionId)).toEqual(['c']);
    expect((await members.clear('A', 'r2')).map((m) => m.sessionId)).toEqual(['c']);
    expect(await members.sessions('A', 'r2')).toEqual([]);
    expect(await members.rooms('A')).not.toContain('r2');
  });

  it.skipIf(!process.env.PARLEY_TEST_STORAGE || process.env.PARLEY_TEST_STORAGE === 'embedded')('hides members on a dead node', async () => {
    await members.join('A', 'r3', member('alive', 'u', 1, 'n1'));
    await members.join('A', 'r3', member('ghost', 'u', 2, 'dead-node'));
    expect((await members.sessions('A', 'r3')).map((m) => m.sessionId)).toEqual(['alive']);
  });
});
