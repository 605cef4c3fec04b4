import { defineConfig } from 'vitest/config';

// The local cluster as a user starts it, real clients, and real etcd as the oracle. Files run one
// at a time: each starts servers on its own ports and the machine has two cores.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts', 'test/grpc/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
