import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appsPollMs } from '../../src/core/app-settings.js';
import { adminOf } from '../helpers/admin.js';
import { connectDevice, settle } from '../helpers/device.js';
import { adminNodes, type AdminNodes } from '../helpers/admin-nodes.js';
import { appOn, startServer, type TestServer } from '../helpers/server.js';

/**
 * Live app settings on several nodes in this process, on shared stores (docs/admin.md
 * "Many nodes"): a change made through one node is in effect on the others within a second;
 * a node that misses the announcement catches up at its next check; IM_APPS overrides what
 * is stored when a node boots. Both storage modes.
 */
const adminToken = 'admin-token-for-node-tests-0123';
const configured = { appKey: `live${Date.now().toString(36)}`, appSecret: 'live-secret', features: { historyPrivateGroup: true } };
let cluster: AdminNodes;
let [a, b, c] = [] as unknown as [TestServer, TestServer, TestServer];

beforeAll(async () => {
  cluster = await adminNodes('admin', configured, adminToken);
  ({ a, b, c } = cluster);
});

afterAll(() => cluster.close());

/** ms until `check` holds on the node (polled every 10 ms), up to `limitMs`. */
async function msUntil(check: () => boolean, limitMs: number): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - start;
}

const send = (device: Awaited<ReturnType<typeof connectDevice>>, to: string) =>
  device.client.send({ conversationType: 1, targetId: to, objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'hi' }) });

describe('live app settings on many nodes', () => {
  it('multiDeviceSync switched on through node A is in effect on node B within a second, for sessions already open there', async () => {
    const app = b.app();
    const phone = await connectDevice(b, app, 'toggler');
    const desktop = await connectDevice(b, app, 'toggler', { deviceId: 'toggler-desktop', platform: 'desktop' });
    await send(phone, 'toggle-peer');
    await settle(300);
    expect(desktop.messages).toHaveLength(0);

    const res = await adminOf(a, adminToken)('PATCH', `/apps/${configured.appKey}`, { features: { multiDeviceSync: true } });
    expect(res.body.app).toMatchObject({ features: { multiDeviceSync: true, historyPrivateGroup: true } });
    expect(a.deps.apps.get(configured.appKey)!.features.multiDeviceSync).toBe(true);
    expect(await msUntil(() => b.deps.apps.get(configured.appKey)!.features.multiDeviceSync, 1_000)).toBeLessThan(1_000);

    // The phone's session opened under the old settings; its next send follows the new ones.
    const sent = await send(phone, 'toggle-peer');
    const [copy] = await desktop.received(1);
    expect(copy).toMatchObject({ messageUId: sent.messageUId, targetId: 'toggle-peer' });
    await Promise.all([phone.close(), desktop.close()]);
  });

  it('an app created through node A answers signed calls on node B within a second', async () => {
    const appKey = `made${Date.now().toString(36)}`;
    await adminOf(a, adminToken)('PUT', `/apps/${appKey}`, { appSecret: 'made-secret', features: {} });
    await msUntil(() => b.deps.apps.get(appKey) !== undefined, 1_000);
    expect((await appOn(b, appKey, 'made-secret').post('/user/getToken.json', { userId: 'm1', name: 'm1' })).body.code).toBe(200);
  });

  it('a node whose announcement is lost: the others still have the change at their next check', async () => {
    cluster.cFaults.drop = 1;
    try {
      const changedAt = Date.now();
      await adminOf(c, adminToken)('PATCH', `/apps/${configured.appKey}`, { features: { offlineMessageDays: 3 } });
      expect(c.deps.apps.get(configured.appKey)!.features.offlineMessageDays).toBe(3);
      await settle(300);
      expect(a.deps.apps.get(configured.appKey)!.features.offlineMessageDays).toBe(7);
      await msUntil(() => a.deps.apps.get(configured.appKey)!.features.offlineMessageDays === 3 && b.deps.apps.get(configured.appKey)!.features.offlineMessageDays === 3, appsPollMs + 2_000);
      expect(Date.now() - changedAt).toBeLessThan(appsPollMs + 2_000);
    } finally {
      cluster.cFaults.drop = 0;
    }
  });

  it('deleting through node A closes the app\'s sessions on node B and B refuses its signed calls', async () => {
    const appKey = `gone${Date.now().toString(36)}`;
    const admin = adminOf(a, adminToken);
    await admin('PUT', `/apps/${appKey}`, { appSecret: 'gone-secret', features: {} });
    await msUntil(() => b.deps.apps.get(appKey) !== undefined, 1_000);
    const gone = appOn(b, appKey, 'gone-secret');
    const device = await connectDevice(b, gone, 'g1');
    const kicked = new Promise((resolve) => device.client.on('kicked', resolve));

    await admin('DELETE', `/apps/${appKey}`);
    const start = Date.now();
    expect(await kicked).toBe('token-revoked');
    expect(Date.now() - start).toBeLessThan(1_000);
    expect((await gone.post('/user/getToken.json', { userId: 'g1', name: 'g1' })).body.code).toBe(1004);
  });

  it('a node booting with IM_APPS overrides what is stored of those apps (the others follow); other stored apps stay', async () => {
    const admin = adminOf(a, adminToken);
    const extraKey = `extra${Date.now().toString(36)}`;
    await admin('PUT', `/apps/${extraKey}`, { appSecret: 'extra-secret', features: { multiMobile: true } });
    expect((await admin('GET', `/apps/${configured.appKey}`)).body.app).toMatchObject({ features: { multiDeviceSync: true, offlineMessageDays: 3 } });

    const d = await startServer({ ...cluster.stores, apps: [configured], nodeId: 'admin-d', adminToken });
    cluster.nodes.push(d);
    const afterBoot = (await admin('GET', `/apps/${configured.appKey}`)).body.app as { features: Record<string, unknown>; version: number };
    expect(afterBoot.features).toMatchObject({ multiDeviceSync: false, offlineMessageDays: 7, historyPrivateGroup: true });
    await msUntil(() => !a.deps.apps.get(configured.appKey)!.features.multiDeviceSync, 1_000);
    expect(d.deps.apps.get(extraKey)).toMatchObject({ appSecret: 'extra-secret', features: { multiMobile: true } });

    // A node booting with the same IM_APPS writes nothing: the stored version is kept.
    const e = await startServer({ ...cluster.stores, apps: [configured], nodeId: 'admin-e', adminToken });
    cluster.nodes.push(e);
    expect(((await admin('GET', `/apps/${configured.appKey}`)).body.app as { version: number }).version).toBe(afterBoot.version);
  });
});
