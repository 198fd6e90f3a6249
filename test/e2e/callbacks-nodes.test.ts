import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackReceiver } from '../helpers/callback-receiver.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { sharedStores, type SharedStores } from '../helpers/shared-stores.js';

/**
 * Two nodes in this process on shared stores, both committing messages of one app: its
 * routing callbacks are posted once each, in order per conversation, by one node at a time;
 * when that node goes, the other takes over (docs/callbacks.md "Many nodes").
 */
const receiver = new CallbackReceiver();
let stores: SharedStores;
const nodes: TestServer[] = [];

beforeAll(async () => {
  await receiver.up();
  stores = await sharedStores();
  const app = { appKey: `cbnodes${Date.now()}`, appSecret: 'cbnodes-secret', callbacks: { messageRoute: { url: receiver.url, includeServerApi: true }, timeoutMs: 1_000 } };
  for (const nodeId of ['cb-node-a', 'cb-node-b']) nodes.push(await startServer({ ...stores, apps: [app], nodeId }));
});

afterAll(async () => {
  for (const node of nodes) await node.close();
  await stores.close();
  await receiver.down();
});

async function publish(node: TestServer, fromUserId: string, toUserId: string, content: string): Promise<string> {
  const res = await node.app().post('/message/private/publish.json', { fromUserId, toUserId, objectName: 'RC:TxtMsg', content: JSON.stringify({ content }) });
  expect(res.body.code).toBe(200);
  return (res.body.messageUIDs as Array<{ messageUID: string }>)[0]!.messageUID;
}

const uidsTo = (toUserId: string) => receiver.accepted.filter((r) => r.form.toUserId === toUserId).map((r) => r.form.msgUID);

describe('callbacks on two nodes', () => {
  it('posts what both nodes commit once each, in order per conversation', async () => {
    const sent = new Map<string, string[]>([['nb', []], ['nc', []]]);
    for (let i = 0; i < 10; i++) {
      for (const to of ['nb', 'nc']) sent.get(to)!.push(await publish(nodes[i % 2]!, 'na', to, `${to} ${i}`));
    }
    await receiver.waitForAccepted(20);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.received).toHaveLength(20);
    for (const [to, uids] of sent) expect(uidsTo(to)).toEqual(uids);
  });

  it('the delivering node hands its lease over when it stops: the other node posts at once', async () => {
    const holder = await stores.shared.sql.query<{ node_id: string }>(`SELECT node_id FROM callback_leases WHERE lease_key LIKE '%/messageRoute'`);
    const holderIndex = nodes.findIndex((n) => n.deps.nodeId === holder.rows[0]!.node_id);
    expect(holderIndex).toBeGreaterThanOrEqual(0);
    const [gone] = nodes.splice(holderIndex, 1);
    await gone!.close();
    const before = receiver.accepted.length;
    const sentAt = Date.now();
    const uid = await publish(nodes[0]!, 'na', 'nd', 'after the holder left');
    const [callback] = (await receiver.waitForAccepted(before + 1, 20_000)).slice(before);
    expect(callback!.form.msgUID).toBe(uid);
    // Well before the lease (2 × 1 s + 5 s) would have run out.
    expect(Date.now() - sentAt).toBeLessThan(4_000);
  }, 30_000);
});
