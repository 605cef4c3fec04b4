import { defineConfig } from 'vitest/config';

// The pure core and the HTTP translation layer: plain Node, deterministic, fast.
export default defineConfig({
  test: {
    include: ['test/{arch,raft,store,mvcc,lease,auth,server,http,metrics,ui}/**/*.test.ts', 'test/helpers/**/*.test.ts'],
    environment: 'node',
  },
});
