import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../scripts/free-port.ts';
import { createEtcdGrpcServer, type EtcdGrpcServer } from '../../src/grpc/index.ts';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { EtcdProcess } from './etcd-process.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

/**
 * The gRPC server under test in front of an upstream of choice, and a real etcd to compare with.
 *
 * - `upstream`: `'edgecd'` (default) launches edgecd's local cluster (`edgecd start`, as `npm
 *   start` runs it); `'etcd'` starts a real etcd 3.4 for the gRPC server to translate to (the
 *   translator checked against the oracle's own gateway); any URL is used as the gateway as it
 *   is. `GRPC_UPSTREAM` in the environment overrides it.
 * - `host`: the gRPC server in this process, `edgecd proxy` in a child process, or (edgecd only)
 *   the launcher's own: the client port serves gRPC beside HTTP, as etcd's 2379 does.
 * - `oracle`: a second real etcd, fresh, that the same commands go to directly. Started fresh
 *   beside a fresh upstream, the same command sequence gives both the same revisions.
 */
export interface GrpcFixture {
  /** host:port of the gRPC server. */
  proxied: string;
  /** host:port of the oracle etcd's own gRPC (undefined without `oracle`). */
  direct: string | undefined;
  /** The upstream etcd (undefined when the upstream is a given URL or edgecd). */
  upstream: EtcdProcess | undefined;
  /** The launched edgecd, when it is the upstream. */
  cluster: LaunchedCluster | undefined;
  oracle: EtcdProcess | undefined;
  stop(): Promise<void>;
}

export interface FixtureOptions {
  upstream?: 'etcd' | 'edgecd' | string;
  host?: 'in-process' | 'child' | 'launcher';
  /** A fresh real etcd to compare with; `3`: three members, reached at the leader (as edgecd's are). */
  oracle?: boolean | 3;
}

export async function startGrpcFixture(options: FixtureOptions = {}): Promise<GrpcFixture> {
  const choice = process.env.GRPC_UPSTREAM ?? options.upstream ?? 'edgecd';
  const [upstream, cluster, oracle, oracleCluster] = await Promise.all([
    choice === 'etcd' ? EtcdProcess.start() : undefined,
    choice === 'edgecd' ? launchCluster() : undefined,
    options.oracle === true ? EtcdProcess.start() : undefined,
    options.oracle === 3 ? startRealEtcd({ members: 3 }) : undefined,
  ]);
  const endpoint = upstream?.clientURL ?? cluster?.url ?? choice;
  const port = await freePort();
  let proxied = `127.0.0.1:${port}`;
  let inProcess: EtcdGrpcServer | undefined;
  let child: ChildProcess | undefined;
  if (options.host === 'launcher') {
    if (cluster === undefined) throw new Error("host 'launcher' needs the edgecd upstream");
    proxied = `127.0.0.1:${cluster.port}`;
  } else if (options.host === 'child') {
    child = await spawnProxy(endpoint, proxied);
  } else {
    inProcess = createEtcdGrpcServer({ endpoint });
    await inProcess.listen(proxied);
  }
  return {
    proxied,
    direct: oracle?.address ?? (oracleCluster === undefined ? undefined : await leaderAddress(oracleCluster)),
    upstream,
    cluster,
    oracle,
    stop: async () => {
      if (inProcess !== undefined) {
        inProcess.server.forceShutdown();
        inProcess.gateway.close();
      }
      if (child !== undefined && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await Promise.all([upstream?.destroy(), oracle?.destroy(), cluster?.destroy(), oracleCluster?.stop()]);
    },
  };
}

/** host:port of a real cluster's leader (the member edgecd's front door would talk to). */
async function leaderAddress(etcd: RealEtcdCluster): Promise<string> {
  for (const url of etcd.clientURLs) {
    const status = (await (await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}' })).json()) as { header: { member_id: string }; leader: string };
    if (status.leader === status.header.member_id) return new URL(url).host;
  }
  return new URL(etcd.clientURLs[0]!).host;
}

/** `edgecd proxy` as a user runs it; ready when it prints its banner. */
async function spawnProxy(endpoint: string, listen: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(projectRoot, 'bin/edgecd.mjs'), 'proxy', '--endpoint', endpoint, '--listen', listen], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('edgecd proxy serving')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`edgecd proxy did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}
