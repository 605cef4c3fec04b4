import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/free-port.ts';
import { etcdBinary } from '../../scripts/real-etcd.ts';

/**
 * A one-member real etcd 3.4 that can be killed and started again on the same data dir and ports,
 * as a member reset or a restarted front door looks to the gRPC server in front of it.
 * (scripts/real-etcd.ts starts clusters that live once; this one restarts.)
 */
export class EtcdProcess {
  private child: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly clientPort: number,
    readonly peerPort: number,
  ) {}

  static async start(): Promise<EtcdProcess> {
    const etcd = new EtcdProcess(await mkdtemp(join(tmpdir(), 'edgecd-grpc-etcd-')), await freePort(), await freePort());
    await etcd.restart();
    return etcd;
  }

  get clientURL(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  /** host:port, as etcdctl's --endpoints and python's etcd3 take it. */
  get address(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts etcd (again) and waits until it is healthy. */
  async restart(): Promise<void> {
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const log = join(this.dir, 'etcd.log');
    this.child = spawn(etcdBinary(), [
      // The same name everywhere: member lists through the proxy and direct then read alike.
      '--name=etcd1',
      `--data-dir=${join(this.dir, 'data')}`,
      `--listen-client-urls=${this.clientURL}`,
      `--advertise-client-urls=${this.clientURL}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=etcd1=${peer}`,
      '--initial-cluster-token=edgecd-grpc',
      '--logger=zap',
      `--log-outputs=${log}`,
    ], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`etcd exited:\n${(await readFile(log, 'utf8').catch(() => '')).slice(-3000)}`);
      const healthy = await fetch(`${this.clientURL}/health`).then((r) => r.ok).catch(() => false);
      if (healthy) return;
      if (Date.now() > deadline) throw new Error('etcd did not become healthy');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: nothing flushed, connections dropped, as a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
