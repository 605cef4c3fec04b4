import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/free-port.ts';
import { isAlive } from './launcher.ts';
import { killPostmaster, PG_BIN, postgresRunAs, postmasterPid, SUPERUSER, type RunAs } from './postgres.ts';

/**
 * Patroni 3.0.2 (Debian's) with an `etcd3:` DCS, managing PostgreSQL 15 nodes on loopback: each
 * node its own dir under one temp dir, its PostgreSQL and REST API on free ports below 32768.
 * Every process started is stopped by PID: Patroni's process group, and its postmaster's group
 * (found from postmaster.pid), also when the test fails or Node exits.
 */

/** Patroni's dynamic timing (bootstrap.dcs): short so a run stays short, the same for every DCS. */
export interface PatroniTiming {
  ttl: number;
  loopWait: number;
  retryTimeout: number;
}

export interface PatroniNodeInfo {
  name: string;
  pgPort: number;
  restPort: number;
  dir: string;
  dataDir: string;
  configFile: string;
}

/**
 * What this module started and has not seen end: Patroni process groups and postmaster PIDs,
 * killed if Node exits first (a failed run still leaves nothing behind).
 */
const liveGroups = new Set<number>();
const livePostmasters = new Set<number>();
process.once('exit', () => {
  for (const group of liveGroups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  for (const pid of livePostmasters) if (isAlive(pid)) killPostmaster(pid);
});

export class PatroniNode implements PatroniNodeInfo {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = '';
  /** Every postmaster PID seen for this node (it changes on each PostgreSQL restart). */
  private readonly postmasters = new Set<number>();
  /** Postmasters and children this node's stop or kill signalled, awaited until gone. */
  private readonly signalled = new Set<number>();

  constructor(
    readonly name: string,
    readonly pgPort: number,
    readonly restPort: number,
    readonly dir: string,
    readonly configFile: string,
    private readonly runAs: RunAs | undefined,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get restURL(): string {
    return `http://127.0.0.1:${this.restPort}`;
  }

  output(): string {
    return this.log;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const child = spawn('patroni', [this.configFile], {
      cwd: this.dir,
      // Patroni passes its environment to PostgreSQL; give it only what it needs.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir, LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so Patroni and what it runs in its group (pg_basebackup, its
      // helpers) are killed together by the group's ID, which is Patroni's PID.
      detached: true,
      ...(this.runAs ?? {}),
    });
    this.child = child;
    liveGroups.add(child.pid!);
    child.stdout!.on('data', (c: Buffer) => (this.log += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.log += c.toString()));
    // 'exit', not 'close': the postmaster inherits Patroni's stdout and stderr (its log lines
    // come through them), so the pipes stay open as long as PostgreSQL runs.
    this.exited = new Promise((resolvePromise) => child.once('exit', () => resolvePromise()));
  }

  /** The running postmaster's PID (remembered for the cleanup), if there is one. */
  postmaster(): number | undefined {
    const pid = postmasterPid(this.dataDir);
    if (pid !== undefined) {
      this.postmasters.add(pid);
      livePostmasters.add(pid);
    }
    return pid;
  }

  /** A crash: SIGKILL to Patroni's group, and to its postmaster and the postmaster's children. */
  async kill(): Promise<void> {
    const postmaster = this.postmaster();
    this.killPatroniGroup();
    await this.exited;
    if (postmaster !== undefined) for (const pid of killPostmaster(postmaster)) this.signalled.add(pid);
    await this.waitGone(5_000);
  }

  /**
   * Patroni's own shutdown (SIGTERM: it stops PostgreSQL and gives up its leader key), SIGKILL
   * after `graceMs`; then whatever of this node still runs is killed by PID.
   */
  async stop(graceMs = 20_000): Promise<void> {
    this.postmaster();
    if (this.running) {
      this.child!.kill('SIGTERM');
      const timer = setTimeout(() => this.killPatroniGroup(), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // Patroni's helpers may outlive it in its group; the group's ID stays Patroni's PID.
    this.killPatroniGroup();
    this.postmaster();
    for (const pid of this.postmasters) if (isAlive(pid)) for (const one of killPostmaster(pid)) this.signalled.add(one);
    for (const pid of this.postmasters) this.signalled.add(pid);
    await this.waitGone(5_000);
  }

  private killPatroniGroup(): void {
    if (this.child === undefined) return;
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // Nothing left in the group.
    }
    if (!this.running) liveGroups.delete(this.child.pid!);
  }

  private async waitGone(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const alive = [...this.signalled].filter(isAlive);
      if (alive.length === 0) {
        for (const pid of this.postmasters) livePostmasters.delete(pid);
        if (this.child !== undefined) liveGroups.delete(this.child.pid!);
        return;
      }
      if (Date.now() > deadline) throw new Error(`processes ${alive.join(', ')} of ${this.name} did not exit`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** GET on the node's REST API: the status code and the JSON body (undefined if none). */
  async rest(path: string): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    try {
      const response = await fetch(`${this.restURL}${path}`, { signal: AbortSignal.timeout(2_000) });
      const text = await response.text();
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      return { status: response.status, body };
    } catch {
      return { status: 0, body: undefined };
    }
  }
}

export interface PatroniCluster {
  scope: string;
  nodes: PatroniNode[];
  dir: string;
  /** Stops every node (all at once, each as `PatroniNode.stop`) and removes the temp dir. */
  destroy(): Promise<void>;
}

/**
 * Writes each node's configuration and starts every node at once, so the nodes race for the
 * initialize key as a real deployment's do. `dcsURL`: the one etcd endpoint Patroni is given; it
 * reads the other members from `/v3/cluster/member/list` itself.
 */
export async function startPatroniCluster(options: { dcsURL: string; timing: PatroniTiming; nodes?: number; scope?: string }): Promise<PatroniCluster> {
  const runAs = postgresRunAs();
  const dir = await mkdtemp(join(tmpdir(), 'edgecd-patroni-'));
  const own = (path: string): void => {
    if (runAs !== undefined) chownSync(path, runAs.uid, runAs.gid);
  };
  own(dir);
  const scope = options.scope ?? 'edgecd-pg';
  const nodes: PatroniNode[] = [];
  for (let i = 1; i <= (options.nodes ?? 2); i++) {
    const name = `pg${i}`;
    const nodeDir = join(dir, name);
    mkdirSync(nodeDir, { mode: 0o700 });
    own(nodeDir);
    const [pgPort, restPort] = [await fetchablePort(), await fetchablePort()];
    const configFile = join(nodeDir, 'patroni.yml');
    // JSON is YAML: Patroni reads its file with yaml.safe_load.
    writeFileSync(configFile, JSON.stringify(patroniConfig({ name, scope, nodeDir, pgPort, restPort, dcsURL: options.dcsURL, timing: options.timing }), null, 1));
    own(configFile);
    nodes.push(new PatroniNode(name, pgPort, restPort, nodeDir, configFile, runAs));
  }
  nodes.forEach((n) => n.start());
  return {
    scope,
    nodes,
    dir,
    destroy: async () => {
      const stopped = await Promise.allSettled(nodes.map((n) => n.stop()));
      await rm(dir, { recursive: true, force: true });
      const failed = stopped.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}

/**
 * A free port that fetch() may use: the Fetch standard's "bad ports" include 10080, inside
 * freePort's range, and fetch fails on them before connecting ("bad port").
 */
async function fetchablePort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port !== 10080) return port;
  }
}

function patroniConfig(o: { name: string; scope: string; nodeDir: string; pgPort: number; restPort: number; dcsURL: string; timing: PatroniTiming }): unknown {
  const password = 'edgecd-test';
  return {
    scope: o.scope,
    namespace: '/service/',
    name: o.name,
    log: { level: 'INFO', format: `%(asctime)s ${o.name} %(levelname)s: %(message)s` },
    restapi: { listen: `127.0.0.1:${o.restPort}`, connect_address: `127.0.0.1:${o.restPort}` },
    etcd3: { hosts: [new URL(o.dcsURL).host], protocol: 'http' },
    bootstrap: {
      dcs: {
        ttl: o.timing.ttl,
        loop_wait: o.timing.loopWait,
        retry_timeout: o.timing.retryTimeout,
        maximum_lag_on_failover: 1048576,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: { wal_level: 'replica', hot_standby: 'on', max_wal_senders: 5, max_replication_slots: 5, wal_log_hints: 'on' },
          pg_hba: ['local all all trust', 'host replication replicator 127.0.0.1/32 md5', 'host all all 127.0.0.1/32 md5'],
        },
      },
      initdb: [{ encoding: 'UTF8' }],
    },
    postgresql: {
      listen: `127.0.0.1:${o.pgPort}`,
      connect_address: `127.0.0.1:${o.pgPort}`,
      data_dir: join(o.nodeDir, 'data'),
      bin_dir: PG_BIN,
      pgpass: join(o.nodeDir, 'pgpass'),
      authentication: {
        superuser: SUPERUSER,
        replication: { username: 'replicator', password },
        rewind: { username: 'rewinder', password },
      },
      parameters: { unix_socket_directories: o.nodeDir, shared_buffers: '16MB', max_connections: 20, fsync: 'off' },
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

/** patronictl with a node's configuration file (it reads the DCS from it). */
export function patronictl(configFile: string, args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('patronictl', ['-c', configFile, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: tmpdir() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface ListedMember {
  Cluster: string;
  Member: string;
  Host: string;
  Role: string;
  State: string;
  TL?: number;
  'Lag in MB'?: number | string;
}

/** `patronictl list -f json`: the members as the DCS shows them. */
export async function patronictlList(configFile: string): Promise<ListedMember[]> {
  const run = await patronictl(configFile, ['list', '-f', 'json'], 20_000);
  if (run.code !== 0) throw new Error(`patronictl list failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as ListedMember[];
}
