import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/store/bus.js';
import { testStores, type TestStores } from '../helpers/stores.js';

let stores: TestStores;
beforeAll(async () => {
  stores = await testStores();
});
afterAll(() => stores.close());

const kick = (sessionId: string): NodeEvent => ({ type: 'kick', appKey: 'A', userId: 'u', sessionId, reason: 'same-platform-login' });

describe('Bus contract', () => {
  it('delivers events only to the addressed node, in publish order', async () => {
    const [nodeA, nodeB] = stores.buses();
    const gotA: string[] = [];
    const gotB: string[] = [];
    await nodeA.subscribe('node-a', (e) => gotA.push(e.type === 'kick' ? e.sessionId : 'push'));
    await nodeB.subscribe('node-b', (e) => gotB.push(e.type === 'kick' ? e.sessionId : 'push'));
    for (const id of ['1', '2', '3']) await nodeB.publish('node-a', kick(id));
    await nodeA.publish('node-b', kick('for-b'));
    await nodeA.publish('node-nobody', kick('lost'));
    await expect.poll(() => gotA).toEqual(['1', '2', '3']);
    await expect.poll(() => gotB).toEqual(['for-b']);
    await nodeA.unsubscribe('node-a');
    await nodeB.unsubscribe('node-b');
  });

  it('stops delivering after unsubscribe', async () => {
    const [nodeA, nodeB] = stores.buses();
    const got: string[] = [];
    await nodeA.subscribe('node-c', (e) => got.push(e.type === 'kick' ? e.sessionId : 'push'));
    await nodeB.publish('node-c', kick('before'));
    await expect.poll(() => got).toEqual(['before']);
    await nodeA.unsubscribe('node-c');
    await nodeB.publish('node-c', kick('after'));
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['before']);
  });
});
