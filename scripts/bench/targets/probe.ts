import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../free-port.ts';
import { defer, spawnGroup, stopGroup } from '../processes.ts';
import type { Target } from './target.ts';

/** The platform probe (probe/host.ts) in its own process, on a free port and a throwaway dir. */
export async function startProbe(): Promise<Target & { pid: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'edgecd-bench-probe-'));
  const forgetDir = defer('probe data dir', () => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const { child, output } = spawnGroup(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '..', 'probe', 'host.ts'), '--port', String(port), '--data-dir', dataDir],
    { label: 'probe host' },
  );
  const deadline = Date.now() + 60_000;
  while (!output().includes('probe serving')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`the probe did not start:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    name: 'probe',
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      await stopGroup(child);
      forgetDir();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
