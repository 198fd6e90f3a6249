import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The suite runs on the embedded default (PGlite + in-process engine) always, and a
// second time on real Postgres and Redis when DATABASE_URL and REDIS_URL are set; then
// the Redis seams' contract suites and the multi-node tests run a third time on a local
// Redis Cluster (test/helpers/global-setup.ts starts it).
const withServices = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const everyTest = ['test/**/*.test.ts'];
const onCluster = ['bus', 'chatroom-members', 'inbox', 'once', 'presence', 'rate-counter'].map((seam) => `test/contracts/${seam}.test.ts`);

// Files that never touch the project's storage (units; processes on their own DATA_DIR; the
// client and the push providers against fakes): the second project would only repeat them.
const storageFree = ['test/unit/**', 'test/e2e/process.test.ts', 'test/e2e/client.test.ts', 'test/e2e/push-providers.test.ts'];

// Most test time is spent waiting on sockets, child processes and timers, not computing:
// as many files at once as cores (the default is cores - 1, one file at a time on two).
const maxWorkers = Math.max(2, availableParallelism());

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    maxWorkers,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'embedded', include: everyTest, env: { PARLEY_TEST_STORAGE: 'embedded' } } },
      ...(withServices
        ? [
            { extends: true as const, test: { name: 'services', include: everyTest, exclude: storageFree, env: { PARLEY_TEST_STORAGE: 'services' } } },
            { extends: true as const, test: { name: 'services-cluster', include: [...onCluster, 'test/e2e/multi-node.test.ts'], env: { PARLEY_TEST_STORAGE: 'services', PARLEY_TEST_REDIS: 'cluster' } } },
          ]
        : []),
    ],
  },
});
