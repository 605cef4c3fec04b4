import { build, stop } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles a worker (by default edgecd's, with the Member class it exports) into one ES module for
 * workerd, as wrangler would: `cloudflare:*` imports stay external, everything else is inlined.
 * Local and test bundles compile the fault hooks in (src/member/build-flags.ts; the
 * FAULT_INJECTION var still has to switch them on); deployed bundles are wrangler's, without them.
 */
export async function bundleWorker(
  outDir: string,
  entry = join(projectRoot, 'src/worker/index.ts'),
  name = 'worker.js',
  options: { faultInjection?: boolean } = {},
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const outfile = join(outDir, name);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['cloudflare:*'],
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    logLevel: 'error',
    define: { EDGECD_FAULT_INJECTION: String(options.faultInjection ?? true) },
  });
  // esbuild keeps a service process for further builds; the launcher builds once.
  await stop();
  return outfile;
}
