import { faultyBus, type BusFaults } from './faulty-bus.js';
import { startServer, type TestServer, type TestServerOptions } from './server.js';
import { sharedStores, type SharedStores } from './shared-stores.js';

/** Three nodes of one app on shared stores, with the admin API; what node C publishes on the bus goes through `cFaults`. */
export interface AdminNodes {
  stores: SharedStores;
  a: TestServer;
  b: TestServer;
  c: TestServer;
  /** Set `drop` to make node C miss its announcements or answers. */
  cFaults: BusFaults;
  /** Every node started, closed by `close` (a test may add its own). */
  nodes: TestServer[];
  close(): Promise<void>;
}

export async function adminNodes(prefix: string, app: NonNullable<TestServerOptions['apps']>[number], adminToken: string): Promise<AdminNodes> {
  const stores = await sharedStores();
  const cFaults: BusFaults = {};
  const start = (name: string, options: Partial<TestServerOptions> = {}) => startServer({ ...stores, apps: [app], nodeId: `${prefix}-${name}`, adminToken, ...options });
  const a = await start('a');
  const b = await start('b');
  const c = await start('c', { wrapBus: (bus) => faultyBus(bus, cFaults) });
  const nodes = [a, b, c];
  return {
    stores,
    a,
    b,
    c,
    cFaults,
    nodes,
    async close() {
      for (const node of nodes) await node.close();
      await stores.close();
    },
  };
}
