import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStores, type TestStores } from '../helpers/stores.js';

let stores: TestStores;
beforeAll(async () => {
  stores = await testStores();
});
afterAll(() => stores.close());

describe('Bus contract', () => {
  it('delivers text only to the addressed node, as sent, in publish order', async () => {
    const [nodeA, nodeB] = stores.buses();
    const gotA: string[] = [];
    const gotB: string[] = [];
    await nodeA.subscribe('node-a', (payload) => gotA.push(payload));
    await nodeB.subscribe('node-b', (payload) => gotB.push(payload));
    for (const payload of ['1', '2', '{"any":"text ünicode"}']) await nodeB.publish('node-a', payload);
    await nodeA.publish('node-b', 'for-b');
    await nodeA.publish('node-nobody', 'lost');
    await expect.poll(() => gotA).toEqual(['1', '2', '{"any":"text ünicode"}']);
    await expect.poll(() => gotB).toEqual(['for-b']);
    await nodeA.unsubscribe('node-a');
    await nodeB.unsubscribe('node-b');
  });

  it('stops delivering after unsubscribe', async () => {
    const [nodeA, nodeB] = stores.buses();
    const got: string[] = [];
    await nodeA.subscribe('node-c', (payload) => got.push(payload));
    await nodeB.publish('node-c', 'before');
    await expect.poll(() => got).toEqual(['before']);
    await nodeA.unsubscribe('node-c');
    await nodeB.publish('node-c', 'after');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['before']);
  });
});
