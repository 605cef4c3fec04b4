import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/**
 * Real etcd 3.4 with the v2 API on, on loopback: the oracle that edgecd's tests and benchmark
 * compare against. Each member gets a throwaway data dir and two ports below the ephemeral range.
 */
export interface RealEtcdCluster {
  clientURLs: string[];
  peerURLs: string[];
  names: string[];
  pids: number[];
  stop(): Promise<void>;
}

export interface RealEtcdOptions {
  members?: 1 | 3;
  token?: string;
  /** Extra etcd flags for every member (e.g. `--snapshot-count=100`). */
  flags?: string[];
}

const MISSING =
  'real etcd is missing: install Debian\'s etcd 3.4 with `apt-get install etcd-server etcd-client` ' +
  '(and `python3-etcd` for the client tests)';

export function etcdBinary(): string {
  const found = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (found.error !== undefined || found.status !== 0) throw new Error(MISSING);
  return 'etcd';
}

interface Member {
  name: string;
  clientURL: string;
  peerURL: string;
  logFile: string;
  process?: ChildProcess;
}

export async function startRealEtcd(options: RealEtcdOptions = {}): Promise<RealEtcdCluster> {
  const binary = etcdBinary();
  const size = options.members ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'edgecd-oracle-'));
  const members: Member[] = [];
  for (let i = 1; i <= size; i++) {
    const name = `etcd${i}`;
    members.push({
      name,
      clientURL: `http://127.0.0.1:${await freePort()}`,
      peerURL: `http://127.0.0.1:${await freePort()}`,
      logFile: join(dir, `${name}.log`),
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerURL}`).join(',');
  const launch = (m: Member): void => {
    const args = [
      '--enable-v2',
      `--name=${m.name}`,
      `--data-dir=${join(dir, m.name)}`,
      `--listen-client-urls=${m.clientURL}`,
      `--advertise-client-urls=${m.clientURL}`,
      `--listen-peer-urls=${m.peerURL}`,
      `--initial-advertise-peer-urls=${m.peerURL}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-token=${options.token ?? 'edgecd-oracle'}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      `--log-outputs=${m.logFile}`,
      ...(options.flags ?? []),
    ];
    m.process = spawn(binary, args, { stdio: 'ignore' });
  };
  members.forEach(launch);

  const stop = async (): Promise<void> => {
    await Promise.all(members.map((m) => stopProcess(m.process)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(members, launch);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    clientURLs: members.map((m) => m.clientURL),
    peerURLs: members.map((m) => m.peerURL),
    names: members.map((m) => m.name),
    pids: members.map((m) => m.process?.pid ?? -1),
    stop,
  };
}

/** Polls `/health` on every member; a member that lost a port race is relaunched. */
async function waitHealthy(members: Member[], launch: (m: Member) => void): Promise<void> {
  const deadline = Date.now() + 30_000;
  const pending = new Set(members);
  while (pending.size > 0) {
    if (Date.now() > deadline) {
      const logs = await Promise.all([...pending].map((m) => readFile(m.logFile, 'utf8').catch(() => '')));
      throw new Error(`real etcd did not become healthy:\n${logs.join('\n').slice(-4000)}`);
    }
    for (const m of [...pending]) {
      if (m.process?.exitCode !== null) {
        const log = await readFile(m.logFile, 'utf8').catch(() => '');
        if (!log.includes('address already in use')) throw new Error(`etcd ${m.name} exited:\n${log.slice(-4000)}`);
        launch(m);
        continue;
      }
      const healthy = await fetch(`${m.clientURL}/health`)
        .then(async (r) => r.ok && ((await r.json()) as { health?: string }).health === 'true')
        .catch(() => false);
      if (healthy) pending.delete(m);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** `npx tsx scripts/real-etcd.ts [--members 3]`: run an oracle by hand until Ctrl-C. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const members = process.argv.includes('3') ? 3 : 1;
  const cluster = await startRealEtcd({ members });
  process.stdout.write(`real etcd (${members}) at ${cluster.clientURLs.join(',')}\n`);
  await new Promise<void>((r) => {
    process.once('SIGINT', r);
    process.once('SIGTERM', r);
  });
  await cluster.stop();
}
