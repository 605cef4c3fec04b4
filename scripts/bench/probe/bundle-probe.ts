import { build, stop } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bundles the probe worker into one ES module for workerd, as scripts/bundle.ts does for edgecd. */
export async function bundleProbe(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const outfile = join(outDir, 'probe.js');
  await build({
    entryPoints: [join(import.meta.dirname, 'worker.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['cloudflare:*'],
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  await stop();
  return outfile;
}
