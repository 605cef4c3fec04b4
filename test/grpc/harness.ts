import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../scripts/free-port.ts';
import { createEtcdGrpcServer, type EtcdGrpcServer } from '../../src/grpc/index.ts';
import { EtcdProcess } from './etcd-process.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

/**
 * The gRPC server under test in front of an upstream of choice, and a real etcd to compare with.
 *
 * - `upstream`: `'etcd'` (default) starts a real etcd 3.4 for the gRPC server to translate to;
 *   any URL (e.g. edgecd's front door) is used as the gateway as it is. `GRPC_UPSTREAM` in the
 *   environment overrides it, so the same tests can later run against edgecd.
 * - `host`: the gRPC server in this process, or as `edgecd proxy` in a child process.
 * - `oracle`: a second real etcd, fresh, that the same commands go to directly. Started fresh
 *   beside a fresh upstream, the same command sequence gives both the same revisions.
 */
export interface GrpcFixture {
  /** host:port of the gRPC server. */
  proxied: string;
  /** host:port of the oracle etcd's own gRPC (undefined without `oracle`). */
  direct: string | undefined;
  /** The upstream etcd (undefined when the upstream is a given URL). */
  upstream: EtcdProcess | undefined;
  oracle: EtcdProcess | undefined;
  stop(): Promise<void>;
}

export interface FixtureOptions {
  upstream?: 'etcd' | string;
  host?: 'in-process' | 'child';
  oracle?: boolean;
}

export async function startGrpcFixture(options: FixtureOptions = {}): Promise<GrpcFixture> {
  const choice = process.env.GRPC_UPSTREAM ?? options.upstream ?? 'etcd';
  const [upstream, oracle] = await Promise.all([
    choice === 'etcd' ? EtcdProcess.start() : undefined,
    options.oracle === true ? EtcdProcess.start() : undefined,
  ]);
  const endpoint = upstream?.clientURL ?? choice;
  const port = await freePort();
  const proxied = `127.0.0.1:${port}`;
  let inProcess: EtcdGrpcServer | undefined;
  let child: ChildProcess | undefined;
  if (options.host === 'child') {
    child = await spawnProxy(endpoint, proxied);
  } else {
    inProcess = createEtcdGrpcServer({ endpoint });
    await inProcess.listen(proxied);
  }
  return {
    proxied,
    direct: oracle?.address,
    upstream,
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
      await Promise.all([upstream?.destroy(), oracle?.destroy()]);
    },
  };
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
