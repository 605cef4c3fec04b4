import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const projectRoot = join(import.meta.dirname, '..', '..');

describe('wrangler deploy --dry-run (offline)', () => {
  for (const env of ['staging', 'production']) {
    it(`bundles the ${env} environment with the MEMBER Durable Object binding`, () => {
      const outdir = mkdtempSync(join(tmpdir(), 'edgecd-dry-'));
      try {
        const output = execFileSync(
          join(projectRoot, 'node_modules/.bin/wrangler'),
          ['deploy', '--dry-run', '--env', env, '--outdir', outdir],
          { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
        );
        expect(output).toMatch(/env\.MEMBER \(Member\)\s+Durable Object/);
        expect(output).toContain(`edgecd-${env}`);
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    });
  }
});
