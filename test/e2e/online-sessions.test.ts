import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWithinMs, type NodeAnswer } from '../../src/core/online-sessions.js';
import { adminOf } from '../helpers/admin.js';
import { adminNodes, type AdminNodes } from '../helpers/admin-nodes.js';
import type { TestServer } from '../helpers/server.js';

/**
 * `GET /admin/v1/sessions` on several nodes (docs/admin.md "The console's reads"): the node
 * asked gathers every live node's sessions over the node events, and names a node that does
 * not answer within a second instead of waiting for it. Both storage modes.
 */
const adminToken = 'online-sessions-admin-token';
const configured = { appKey: `online${Date.now().toString(36)}`, appSecret: 'online-secret' };
let cluster: AdminNodes;
let [a, b, c] = [] as unknown as [TestServer, TestServer, TestServer];

beforeAll(async () => {
  cluster = await adminNodes('online', configured, adminToken);
  ({ a, b, c } = cluster);
  await Promise.all([a.device(a.app(), 'on-a'), b.device(b.app(), 'on-b'), c.device(c.app(), 'on-c'), c.device(c.app(), 'on-c2')]);
});

afterAll(() => cluster.close());

const sessionsOf = async (t: TestServer) => (await adminOf(t, adminToken)('GET', '/sessions')).body as { nodeId: string; nodes: NodeAnswer[] };
const usersOn = (answer: NodeAnswer) => (answer.answered ? answer.sessions.map((s) => s.userId).sort() : 'no answer');

describe('who is online, across nodes', () => {
  it('lists every node with its own sessions, the node asked first', async () => {
    const { nodeId, nodes: answers } = await sessionsOf(a);
    expect(nodeId).toBe(a.deps.nodeId);
    expect(answers[0]).toMatchObject({ nodeId: a.deps.nodeId, answered: true, total: 1 });
    expect(Object.fromEntries(answers.map((answer) => [answer.nodeId, usersOn(answer)]))).toEqual({
      [a.deps.nodeId]: ['on-a'],
      [b.deps.nodeId]: ['on-b'],
      [c.deps.nodeId]: ['on-c', 'on-c2'],
    });
  });

  it('names a node that does not answer within a second, and answers with the others', async () => {
    cluster.cFaults.drop = 1;
    try {
      const started = Date.now();
      const { nodes: answers } = await sessionsOf(a);
      expect(Date.now() - started).toBeGreaterThanOrEqual(answerWithinMs - 50);
      expect(Date.now() - started).toBeLessThan(answerWithinMs + 2_000);
      expect(answers.find((answer) => answer.nodeId === c.deps.nodeId)).toEqual({ nodeId: c.deps.nodeId, answered: false });
      expect(usersOn(answers.find((answer) => answer.nodeId === b.deps.nodeId)!)).toEqual(['on-b']);
    } finally {
      cluster.cFaults.drop = 0;
    }
  });
});
