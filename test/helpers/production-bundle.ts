import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_readConfig } from 'wrangler';
import { freePort } from '../../scripts/free-port.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

/** wrangler.toml's production environment: the vars and bindings a deployed worker gets. */
export const productionConfig = unstable_readConfig({ config: join(projectRoot, 'wrangler.toml'), env: 'production' });

/** Builds the bundle exactly as `wrangler deploy --env production` would upload it; its directory. */
export function buildProductionBundle(prefix: string): string {
  const outdir = mkdtempSync(join(tmpdir(), prefix));
  execFileSync(join(projectRoot, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--env', 'production', '--outdir', outdir], {
    cwd: projectRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    stdio: 'ignore',
  });
  return outdir;
}

export interface RunningBundle {
  url: string;
  port: number;
  mf: Miniflare;
}

/**
 * The bundle in `outdir` under Miniflare with production's vars plus `extra` (what an operator
 * sets), on a free loopback port; `persist` keeps its Durable Objects' storage across restarts.
 */
export async function runProductionBundle(outdir: string, extra: Record<string, string>, persist?: string): Promise<RunningBundle> {
  const config = productionConfig;
  const port = await freePort();
  const mf = new Miniflare({
    workers: [
      {
        name: config.name ?? 'edgecd-production',
        modules: true,
        scriptPath: join(outdir, 'index.js'),
        modulesRoot: outdir,
        // wrangler uploads the console page as a text module next to the script.
        modulesRules: [{ type: 'Text', include: ['**/*.txt'] }],
        compatibilityDate: config.compatibility_date,
        compatibilityFlags: config.compatibility_flags,
        bindings: { ...(config.vars as Record<string, string>), ...extra },
        durableObjects: Object.fromEntries(config.durable_objects.bindings.map((b: { name: string; class_name: string }) => [b.name, { className: b.class_name, useSQLite: true }])),
        unsafeDirectSockets: [{ host: '127.0.0.1', port }],
      },
    ],
    host: '127.0.0.1',
    port: 0,
    ...(persist === undefined ? {} : { durableObjectsPersist: persist }),
    handleRuntimeStdio: () => undefined,
  });
  await mf.ready;
  return { url: `http://127.0.0.1:${port}`, port, mf };
}
