import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Member objects and the worker inside workerd, against real SQLite-backed storage.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      // wrangler.toml's vars leave a deployment unsecured, which serves only 503s
      // (src/worker/secure-gate.ts): these tests run the front door open, as `npm start` does.
      miniflare: { bindings: { EDGECD_ALLOW_UNAUTHENTICATED_ACCESS: 'true' } },
    }),
  ],
  // No fault hooks in these builds (src/member/build-flags.ts): the member tests run what deploys.
  define: { EDGECD_FAULT_INJECTION: 'false' },
  test: {
    include: ['test/{member,worker}/**/*.test.ts'],
  },
});
