import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../bundle.ts';
import { callControl } from '../../control.ts';
import { freePort } from '../../free-port.ts';
import { startLocalCluster, type LocalCluster } from '../../local-cluster.ts';
import { defer, descendants, spawnGroup, stopGroup } from '../processes.ts';
import { firstSuccessfulWrite } from '../v2-client.ts';
import type { Target } from './target.ts';

/**
 * How edgecd is hosted for a run. `npm` and `node` spawn the launcher (`npm start`, or
 * `node bin/edgecd.mjs start`, which is what `npm start` runs) in its own process group; `in-process`
 * calls `startLocalCluster` in the orchestrator. In every case workerd serves the sockets directly,
 * so no Node event loop is in the request path; the spawned launcher is the default because it is
 * how users run edgecd and it keeps even Miniflare's bookkeeping off the orchestrator's loop.
 */
export type EdgecdHost = 'npm' | 'node' | 'in-process';

export interface EdgecdOptions {
  host: EdgecdHost;
  /** Gives workerd a DevTools inspector on this port (spawned hosts only; see workerd-with-inspector.sh). */
  inspectorPort?: number;
  /** Runs the launcher under `node --cpu-prof` into this directory (`node` host only). */
  cpuProfDir?: string;
}

export interface EdgecdTarget extends Target {
  dataDir: string;
  /** From spawning the launcher (or calling startLocalCluster) to the first 2xx PUT on the front door. */
  startToFirstWriteMs: number;
  /** ... to sending the first request that got an answer: the front door was accepting by then. */
  startToFirstAnswerMs: number | undefined;
  /** The workerd process serving the cluster. */
  workerdPid(): number | undefined;
  /** Resets a member object as a crash would, through the launcher's control channel. */
  abortMember(name: string): Promise<void>;
}

const WRAPPER = join(import.meta.dirname, '..', 'workerd-with-inspector.sh');

/** The workerd binary Miniflare itself would run (its own dependency's). */
function realWorkerd(): string {
  const fromMiniflare = createRequire(createRequire(import.meta.url).resolve('miniflare'));
  return (fromMiniflare('workerd') as { default: string }).default;
}

export async function startEdgecd(options: EdgecdOptions): Promise<EdgecdTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), 'edgecd-bench-'));
  const forgetDir = defer('edgecd data dir', () => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const memberPorts = [await freePort(), await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const removeDir = async (): Promise<void> => {
    forgetDir();
    await rm(dataDir, { recursive: true, force: true });
  };

  if (options.host === 'in-process') {
    const started = performance.now();
    const cluster: LocalCluster = await startLocalCluster({
      dataDir,
      port,
      members: memberPorts.map((p, i) => ({ name: `node${i + 1}`, port: p })),
    });
    const forget = defer('edgecd (in-process)', () => cluster.stop());
    let startToFirstAnswerMs: number | undefined;
    const startToFirstWriteMs = await firstSuccessfulWrite(url, 'bench/first', started, 30_000, undefined, (ms) => (startToFirstAnswerMs = ms));
    return {
      startToFirstAnswerMs,
      name: 'edgecd',
      url,
      dataDir,
      startToFirstWriteMs,
      workerdPid: () => descendants(process.pid).find((p) => p.command === 'workerd')?.pid,
      abortMember: (name) => cluster.abort(name),
      stop: async () => {
        forget();
        await cluster.stop();
        await removeDir();
      },
    };
  }

  const launcherArgs = ['--port', String(port), '--member-ports', memberPorts.join(','), '--data-dir', dataDir];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.inspectorPort !== undefined) {
    env['MINIFLARE_WORKERD_PATH'] = WRAPPER;
    env['EDGECD_BENCH_REAL_WORKERD'] = realWorkerd();
    env['EDGECD_BENCH_INSPECTOR_PORT'] = String(options.inspectorPort);
  }
  const [command, args] =
    options.host === 'npm'
      ? // `npm start` is `node bin/edgecd.mjs start`: the flags follow `--`.
        ['npm', ['start', '--silent', '--', ...launcherArgs]]
      : [
          process.execPath,
          [...(options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`]), join(projectRoot, 'bin/edgecd.mjs'), 'start', ...launcherArgs],
        ];
  const started = performance.now();
  const { child, output } = spawnGroup(command, args as string[], { cwd: projectRoot, env, label: `edgecd launcher (${options.host})` });
  const stop = async (): Promise<void> => {
    await stopGroup(child);
    await removeDir();
  };
  try {
    let startToFirstAnswerMs: number | undefined;
    const startToFirstWriteMs = await firstSuccessfulWrite(
      url,
      'bench/first',
      started,
      30_000,
      () => child.exitCode === null,
      (ms) => (startToFirstAnswerMs = ms),
    );
    // The control channel is up once the launcher has printed its member table.
    const deadline = Date.now() + 30_000;
    while (!output().includes('edgecd serving')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`edgecd launcher not ready:\n${output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      name: 'edgecd',
      url,
      dataDir,
      startToFirstWriteMs,
      startToFirstAnswerMs,
      workerdPid: () => descendants(child.pid!).find((p) => p.command === 'workerd')?.pid,
      abortMember: async (name) => {
        const answer = await callControl(dataDir, 'POST', `/members/${name}/abort`);
        if (answer.status >= 300) throw new Error(`abort ${name}: ${answer.status} ${answer.body}`);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\nlauncher output:\n${output().slice(-4000)}`);
  }
}
