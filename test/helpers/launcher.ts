import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/free-port.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

/** `edgecd start` run as a user runs it, on free ports and a throwaway data dir. */
export interface LaunchedCluster {
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  output(): string;
  /** SIGINT, as Ctrl-C would; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Stops and removes the data dir. */
  destroy(): Promise<void>;
}

export async function launchCluster(
  options: { dataDir?: string; args?: string[] } = {},
): Promise<LaunchedCluster> {
  const port = await freePort();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'edgecd-test-')));
  const child = spawn(
    process.execPath,
    [join(projectRoot, 'bin/edgecd.mjs'), 'start', '--port', String(port), '--data-dir', dataDir, ...(options.args ?? [])],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`edgecd start exited early:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`edgecd start did not serve ${url}:\n${output}`);
    }
    const up = await fetch(`${url}/version`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return exited;
  };
  return {
    url,
    port,
    dataDir,
    process: child,
    output: () => output,
    stop,
    destroy: async () => {
      await stop();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** True while a process with this PID runs (a zombie waiting to be reaped does not count). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}
