import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../src/model/session.js';
import { testStores, type TestStores } from '../helpers/stores.js';

let stores: TestStores;
beforeAll(async () => {
  stores = await testStores();
});
afterAll(() => stores.close());

const session = (overrides: Partial<SessionInfo>): SessionInfo => ({
  sessionId: 's1',
  userId: 'u1',
  deviceId: 'd1',
  platform: 'ios',
  nodeId: 'n1',
  connectedAt: 1000,
  tokenIssuedAt: 1,
  ...overrides,
});

describe('Presence contract', () => {
  it('lists a user\'s sessions oldest first, per app, until removed', async () => {
    const presence = stores.presence();
    await presence.keepNodeAlive('n1', 10_000);
    await presence.add('A', session({ sessionId: 'late', connectedAt: 2000 }));
    await presence.add('A', session({ sessionId: 'early', connectedAt: 1000 }));
    await presence.add('B', session({ sessionId: 'other-app' }));
    expect((await presence.list('A', 'u1')).map((s) => s.sessionId)).toEqual(['early', 'late']);
    expect(await presence.list('A', 'u1')).toContainEqual(session({ sessionId: 'late', connectedAt: 2000 }));
    expect(await presence.isOnline('A', 'u1')).toBe(true);
    expect(await presence.isOnline('A', 'u2')).toBe(false);
    await presence.remove('A', session({ sessionId: 'early' }));
    await presence.remove('A', session({ sessionId: 'never-added' }));
    expect((await presence.list('A', 'u1')).map((s) => s.sessionId)).toEqual(['late']);
    await presence.remove('A', session({ sessionId: 'late' }));
    expect(await presence.isOnline('A', 'u1')).toBe(false);
    expect(await presence.isOnline('B', 'u1')).toBe(true);
  });

  it('hides the sessions of a node whose liveness lapsed or that was dropped', async () => {
    const presence = stores.presence();
    await presence.keepNodeAlive('short', 100);
    await presence.keepNodeAlive('long', 10_000);
    await presence.keepNodeAlive('dropped', 10_000);
    await presence.add('A', session({ userId: 'x', sessionId: 'on-short', nodeId: 'short' }));
    await presence.add('A', session({ userId: 'x', sessionId: 'on-long', nodeId: 'long' }));
    await presence.add('A', session({ userId: 'x', sessionId: 'on-dropped', nodeId: 'dropped' }));
    expect((await presence.list('A', 'x')).length).toBe(3);
    await presence.dropNode('dropped');
    await new Promise((r) => setTimeout(r, 200));
    expect((await presence.list('A', 'x')).map((s) => s.sessionId)).toEqual(['on-long']);
  });
});

describe('Presence contract: many users and nodes', () => {
  it('lists the sessions of many users at once, leaving out users with none', async () => {
    const presence = stores.presence();
    await presence.keepNodeAlive('m1', 10_000);
    await presence.add('A', session({ userId: 'a', sessionId: 'a1', nodeId: 'm1' }));
    await presence.add('A', session({ userId: 'b', sessionId: 'b1', nodeId: 'm1', connectedAt: 5 }));
    await presence.add('A', session({ userId: 'b', sessionId: 'b0', nodeId: 'm1', connectedAt: 1 }));
    const found = await presence.listMany('A', ['a', 'b', 'nobody']);
    expect([...found.keys()].sort()).toEqual(['a', 'b']);
    expect(found.get('b')!.map((s) => s.sessionId)).toEqual(['b0', 'b1']);
    expect((await presence.listMany('A', [])).size).toBe(0);
  });

  it('names the nodes holding each user\'s sessions, in one call, without reading the sessions', async () => {
    const presence = stores.presence();
    await presence.add('A', session({ userId: 'n-a', sessionId: 'x1', nodeId: 'node|with|bars' }));
    await presence.add('A', session({ userId: 'n-a', sessionId: 'x2', nodeId: 'node-2' }));
    await presence.add('A', session({ userId: 'n-a', sessionId: 'x3', nodeId: 'node-2' }));
    await presence.add('A', session({ userId: 'n-b', sessionId: 'y1', nodeId: 'node-2' }));
    const nodes = await presence.nodesOf('A', ['n-a', 'n-b', 'n-nobody']);
    expect([...nodes.keys()].sort()).toEqual(['n-a', 'n-b']);
    expect([...nodes.get('n-a')!].sort()).toEqual(['node-2', 'node|with|bars']);
    expect(nodes.get('n-b')).toEqual(['node-2']);
    await presence.remove('A', session({ userId: 'n-b', sessionId: 'y1', nodeId: 'node-2' }));
    expect((await presence.nodesOf('A', ['n-b'])).size).toBe(0);
  });

  it('names the live nodes', async () => {
    const presence = stores.presence();
    await presence.keepNodeAlive('live-1', 10_000);
    await presence.keepNodeAlive('live-2', 10_000);
    await presence.keepNodeAlive('brief', 50);
    await presence.dropNode('live-2');
    await new Promise((r) => setTimeout(r, 120));
    const nodes = await presence.liveNodes();
    expect(nodes).toContain('live-1');
    expect(nodes).not.toContain('live-2');
    expect(nodes).not.toContain('brief');
  });
});
