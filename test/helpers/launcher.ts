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
  /** Each member's own client URL, node1 first. */
  memberURLs: string[];
  dataDir: string;
  process: ChildProcess;
  output(): string;
  /** SIGINT, as Ctrl-C would; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL to the launcher and workerd: a crash, nothing flushed or disposed. */
  kill(): Promise<void>;
  /** Stops and removes the data dir. */
  destroy(): Promise<void>;
}

export async function launchCluster(
  options: { dataDir?: string; args?: string[] } = {},
): Promise<LaunchedCluster> {
  const port = await freePort();
  const memberPorts = [await freePort(), await freePort(), await freePort()];
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'edgecd-test-')));
  const child = spawn(
    process.execPath,
    [join(projectRoot, 'bin/edgecd.mjs'), 'start', '--port', String(port), '--member-ports', memberPorts.join(','), '--data-dir', dataDir, ...(options.args ?? [])],
    // Its own process group, so a test can kill the launcher and workerd together, as a crash would.
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  // Ready when the launcher has printed its member table (a leader is known by then).
  while (!output.includes('edgecd serving')) {
    if (child.exitCode !== null) throw new Error(`edgecd start exited early:\n${output}`);
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`edgecd start did not serve ${url}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
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
    memberURLs: memberPorts.map((p) => `http://127.0.0.1:${p}`),
    dataDir,
    process: child,
    output: () => output,
    stop,
    kill: async () => {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
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
