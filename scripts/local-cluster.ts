import { Miniflare, type WorkerOptions } from 'miniflare';
import { dirname, join, resolve } from 'node:path';
import { buildConsoleIfStale } from './build-console.ts';
import { bundleWorker, projectRoot } from './bundle.ts';
import { serveControl } from './control.ts';
import { freePort } from './free-port.ts';
import { createEtcdGrpcServer, listenSniffing, type ClientTLS, type EtcdGrpcServer, type SniffingListener } from '../src/grpc/index.ts';
import { pipeLog, type LoggerKind } from './log-format.ts';

/** Pinned with wrangler.toml's `compatibility_date` and `compatibility_flags`. */
export const COMPATIBILITY_DATE = '2026-04-26';
export const COMPATIBILITY_FLAGS = ['enable_request_signal'];

export interface LocalClusterOptions {
  /** Where members persist their storage (etcd's `--data-dir`). */
  dataDir: string;
  /** Front-door port on 127.0.0.1 (etcd's client port, 2379 by default). */
  port: number;
  /** Member names with their own client ports (etcd's convention: 22379, 32379, 42379). */
  members?: { name: string; port: number }[];
  host?: string;
  initialClusterToken?: string;
  heartbeatMs?: number;
  electionMs?: number;
  /** Entries between snapshots (the member's default when absent). */
  snapshotCount?: number;
  /** Each member's quotas (the member's defaults when absent; see src/member/config.ts). */
  quotaBackendBytes?: number;
  quotaV3Keys?: number;
  quotaV2Bytes?: number;
  /** v2 long polls each member holds at once (`--max-watchers`). */
  maxWatchers?: number;
  /** etcd's `--log-level` for every member (`info` when absent). */
  logLevel?: string;
  /** How members' log lines are printed: as written (zap JSON, the default) or for a person. */
  logger?: LoggerKind;
  /** Serve the front door and members' client ports over HTTPS (etcd's --cert-file and friends). */
  tls?: ClientTLS;
}

export interface LocalMember {
  name: string;
  clientURL: string;
  peerURL: string;
}

export interface LocalCluster {
  /** The front door's URL, e.g. `http://127.0.0.1:2379`. */
  url: string;
  members: LocalMember[];
  /** A member's internal status (through its Durable Object stub, not HTTP). */
  status(name: string): Promise<MemberStatus>;
  /** Resets a member object as a crash would (`ctx.abort()`); it restarts from its storage. */
  abort(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface MemberStatus {
  started: boolean;
  removed: boolean;
  name: string | null;
  id?: string;
  clusterId?: string;
  leader?: string;
  leaderName?: string;
  isLeader?: boolean;
  term?: number;
  commit?: number;
  applied?: number;
  /** etcd's ReadyNotify: the member published its client URLs and serves clients. */
  ready?: boolean;
}

export const DEFAULT_MEMBERS = [
  { name: 'node1', port: 22379 },
  { name: 'node2', port: 32379 },
  { name: 'node3', port: 42379 },
];

/**
 * Hosts the worker and its Member objects in workerd through Miniflare's Node API. The front
 * door routes to the leader; each member's own port is served by that member, as etcd's client
 * URLs are. Each public port is a Node listener that serves both APIs as etcd's client port does:
 * a connection opening with the HTTP/2 preface goes to a gRPC server (src/grpc) translating to
 * the v3 gateway behind that same port, anything else is piped to workerd's direct socket
 * (`unsafeDirectSockets`) on an internal loopback port.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const memberPorts = options.members ?? DEFAULT_MEMBERS;
  // Published client URLs carry the scheme clients must use, as etcd's advertised URLs do.
  const scheme = options.tls === undefined ? 'http' : 'https';
  const members: LocalMember[] = memberPorts.map((m) => ({
    name: m.name,
    clientURL: `${scheme}://${host}:${m.port}`,
    peerURL: `http://${m.name}:2380`,
  }));
  await buildConsoleIfStale();
  const scriptPath = await bundleWorker(join(dataDir, 'build'));
  // A member port's worker is its own small bundle: workerd compiles each worker's script, and
  // the front door's (with the members' code) took most of the start-up, compiled four times.
  const memberPortPath = await bundleWorker(join(dataDir, 'build'), join(projectRoot, 'src/worker/member-port.ts'), 'member-port.js');
  // workerd's own sockets, behind the public ports' listeners.
  const internalPort = new Map<number, number>();
  for (const port of [options.port, ...memberPorts.map((m) => m.port)]) internalPort.set(port, await freePort(host));
  const bindings: Record<string, string> = {
    INITIAL_CLUSTER: members.map((m) => `${m.name}=${m.peerURL}`).join(','),
    INITIAL_CLUSTER_TOKEN: options.initialClusterToken ?? 'edgecd-cluster',
    ADVERTISE_CLIENT_URLS: members.map((m) => `${m.name}=${m.clientURL}`).join(','),
    HEARTBEAT_INTERVAL: String(options.heartbeatMs ?? 100),
    ELECTION_TIMEOUT: String(options.electionMs ?? 1000),
    // Unset, a member takes its own defaults (src/member/config.ts).
    ...(options.snapshotCount === undefined ? {} : { SNAPSHOT_COUNT: String(options.snapshotCount) }),
    ...(options.quotaBackendBytes === undefined ? {} : { QUOTA_BACKEND_BYTES: String(options.quotaBackendBytes) }),
    ...(options.quotaV3Keys === undefined ? {} : { QUOTA_V3_KEYS: String(options.quotaV3Keys) }),
    ...(options.quotaV2Bytes === undefined ? {} : { QUOTA_V2_BYTES: String(options.quotaV2Bytes) }),
    ...(options.maxWatchers === undefined ? {} : { MAX_WATCHERS: String(options.maxWatchers) }),
    // A local build: crash hooks for tests and the benchmark (never set in wrangler.toml).
    FAULT_INJECTION: 'true',
    // Locally every member shares one workerd thread, so spreading quorum reads over members adds
    // peer hops and no capacity, and a read served by a follower is counted in that follower's
    // /v2/stats/store rather than the leader's (etcd applies a QGET on every member). So locally
    // they stay at the leader unless `EDGECD_QUORUM_READS=spread`; deployed, each member has its
    // own thread and they are spread (src/worker/leader-router.ts).
    QUORUM_READS: process.env.EDGECD_QUORUM_READS ?? 'leader',
    // Open on loopback, as etcd is by default (a deployed worker refuses to serve unsecured:
    // src/worker/secure-gate.ts); the launcher says so when it starts.
    EDGECD_ALLOW_UNAUTHENTICATED_ACCESS: 'true',
    ...(options.logLevel === undefined ? {} : { LOG_LEVEL: options.logLevel }),
  };
  const script = {
    modules: true,
    scriptPath,
    // Module names are paths relative to this root; workerd refuses ones that climb out of it.
    modulesRoot: dirname(scriptPath),
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
  } as const;
  const workers: WorkerOptions[] = [
    {
      name: 'edgecd',
      ...script,
      durableObjects: { MEMBER: { className: 'Member', useSQLite: true } },
      bindings,
      unsafeDirectSockets: [{ host, port: internalPort.get(options.port)! }],
    },
    // One small worker per member's own client port, bound to the same Member objects.
    ...memberPorts.map((m) => ({
      name: `edgecd-${m.name}`,
      ...script,
      scriptPath: memberPortPath,
      durableObjects: { MEMBER: { className: 'Member', scriptName: 'edgecd', useSQLite: true } },
      bindings: { ...bindings, SERVE_MEMBER: m.name },
      unsafeDirectSockets: [{ host, port: internalPort.get(m.port)! }],
    })),
  ];
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    durableObjectsPersist: join(dataDir, 'members'),
    workers,
    handleRuntimeStdio: (stdout, stderr) => {
      pipeLog(stdout, process.stdout, options.logger ?? 'zap');
      pipeLog(stderr, process.stderr, options.logger ?? 'zap');
    },
  });
  await mf.ready;
  const grpcServers: EtcdGrpcServer[] = [];
  const listeners: SniffingListener[] = [];
  try {
    for (const [port, internal] of internalPort) {
      // On 2379 the gRPC server translates to the front door; on a member's port, to that member.
      const grpc = createEtcdGrpcServer({ endpoint: `http://${host}:${internal}` });
      grpcServers.push(grpc);
      listeners.push(
        await listenSniffing({
          host,
          port,
          grpc,
          httpTarget: { host, port: internal },
          ...(options.tls === undefined ? {} : { tls: options.tls, onRejected: (message) => process.stderr.write(`edgecd: ${message}\n`) }),
        }),
      );
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    await mf.dispose();
    throw error;
  }
  const namespace = await mf.getDurableObjectNamespace('MEMBER', 'edgecd');
  const call = (name: string, path: string, body = '{}') =>
    namespace.get(namespace.idFromName(name)).fetch(`http://member${path}`, { method: 'POST', headers: { 'X-Edgecd-Member': name }, body });
  // Wake every member: each starts its ticker and alarm and joins the election.
  await Promise.all(members.map(async (m) => (await call(m.name, '/admin/start')).text()));
  const control = await serveControl(dataDir, async (method, path, body) => {
    const match = /^\/members\/([^/]+)\/(status|abort|join|wipe|faults)$/.exec(path);
    if (match === null || (match[2] !== 'status' && method !== 'POST')) return { status: 404, body: '{"message":"not found"}' };
    const response = await call(match[1]!, `/admin/${match[2]!}`, body || '{}').catch(() => undefined);
    // An aborted object drops the request that aborted it: that is the reset having happened.
    if (response === undefined) return match[2] === 'abort' ? { status: 204, body: '' } : { status: 502, body: '{"message":"member unreachable"}' };
    return { status: response.status, body: await response.text() };
  });
  return {
    url: `${scheme}://${host}:${options.port}`,
    members,
    status: async (name) => (await (await call(name, '/admin/status')).json()) as MemberStatus,
    abort: async (name) => {
      await (await call(name, '/admin/abort')).text().catch(() => undefined);
    },
    stop: async () => {
      control.close();
      await Promise.all(listeners.map((l) => l.close()));
      for (const grpc of grpcServers) {
        grpc.server.forceShutdown();
        grpc.gateway.close();
      }
      await mf.dispose();
    },
  };
}

/**
 * Waits until the cluster is up as etcd's would be: a leader elected and every member ready
 * (etcd's ReadyNotify: its publish applied, so it serves clients). Returns the leader's name.
 */
export async function waitForLeader(cluster: LocalCluster, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const leader = await findLeader(cluster);
    if (leader !== undefined && (await allReady(cluster))) return leader;
    if (Date.now() > deadline) throw new Error('the cluster did not come up');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function findLeader(cluster: LocalCluster): Promise<string | undefined> {
  for (const m of cluster.members) {
    const status = await cluster.status(m.name).catch(() => undefined);
    if (status?.isLeader === true && status.name !== null) return status.name;
  }
  return undefined;
}

async function allReady(cluster: LocalCluster): Promise<boolean> {
  const statuses = await Promise.all(cluster.members.map((m) => cluster.status(m.name).catch(() => undefined)));
  return statuses.every((s) => s?.ready === true);
}
