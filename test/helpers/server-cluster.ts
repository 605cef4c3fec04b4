import type { Message } from '../../src/raft/index.ts';
import { computeClusterId, computeMemberId, EtcdServer, type MemberContext, type V2Request, newRequest } from '../../src/server/index.ts';
import type { AlarmMember } from '../../src/server/index.ts';
import type { AuthPorts, V3Backends } from '../../src/server/index.ts';
import type { KeyRow } from '../../src/mvcc/index.ts';
import { MemoryAuthBackend } from './memory-auth-backend.ts';
import { MemoryBackend } from './memory-backend.ts';
import { MemoryLeaseStore } from './memory-lease-store.ts';
import { MemoryLogStore } from './memory-log-store.ts';
import { seededRandom } from './seeded-random.ts';


export interface SimMember {
  name: string;
  id: string;
  disk: MemoryLogStore;
  /** The v3 state machine's storage: it survives a crash, as the Raft log does. */
  v3Disk: V3Backends;
  server: EtcdServer;
  up: boolean;
}

/**
 * Members of one cluster in one process: messages go through an in-memory network the test
 * drives (`deliver`), time is a counter the test advances (`tick`). Deterministic.
 */
export class ServerCluster {
  readonly members = new Map<string, SimMember>();
  readonly clusterId: string;
  nowMs = Date.UTC(2026, 0, 1);
  private inbox: Message[] = [];
  /** Pairs of member IDs that can't talk. */
  readonly cut = new Set<string>();

  constructor(names: string[], private readonly options: { snapshotCount?: number; seed?: number; quotaBytes?: number; v3QuotaKeys?: number; v3QuotaBytes?: number; authPorts?: AuthPorts } = {}) {
    const contexts: MemberContext[] = names.map((name) => ({
      id: computeMemberId([`http://${name}:2380`], 'sim'),
      name,
      peerURLs: [`http://${name}:2380`],
      clientURLs: [],
    }));
    this.clusterId = computeClusterId(contexts.map((c) => c.id));
    names.forEach((name, i) => {
      const disk = new MemoryLogStore();
      EtcdServer.bootstrap(disk, contexts);
      const id = contexts[i]!.id;
      const v3Disk = newV3Disk();
      this.members.set(name, { name, id, disk, v3Disk, server: this.newServer(name, id, disk, v3Disk, i), up: true });
    });
  }

  private newServer(name: string, id: string, disk: MemoryLogStore, v3Disk: V3Backends, i: number): EtcdServer {
    return new EtcdServer({
      id,
      name,
      clusterId: this.clusterId,
      v3: v3Disk,
      leaderLeases: (leader) => {
        const server = this.byId(leader)?.server;
        if (server === undefined) return undefined;
        return {
          renew: async (lease) => (await server.v3.leaseKeepAlive({ id: lease })).ttl,
          timeToLive: (lease, keys) => server.v3.leaseTimeToLive({ id: lease, keys }),
        };
      },
      // A follower forwards a promotion to the leader (etcd: over its peer URLs); the error
      // travels back as its message, as over HTTP.
      leaderMembership: (leader) => {
        const server = this.byId(leader)?.server;
        if (server === undefined || this.byId(leader)?.up !== true) return undefined;
        return {
          promoteMember: (id) =>
            server.promoteMember(id).catch((error: unknown) => {
              throw new Error(error instanceof Error ? error.message : String(error));
            }),
        };
      },
      clientURLs: [`http://${name}:2379`],
      tickMs: 100,
      electionTicks: 10,
      snapshotCount: this.options.snapshotCount ?? 10_000,
      quotaBytes: this.options.quotaBytes ?? 0,
      v3QuotaKeys: this.options.v3QuotaKeys ?? 0,
      v3QuotaBytes: this.options.v3QuotaBytes ?? 0,
      logStore: disk,
      transport: { send: (messages) => this.inbox.push(...messages) },
      clock: { now: () => this.nowMs },
      random: seededRandom((this.options.seed ?? 1) * 31 + i),
      ...(this.options.authPorts === undefined ? {} : { authPorts: this.options.authPorts }),
    });
  }

  member(name: string): SimMember {
    const m = this.members.get(name);
    if (m === undefined) throw new Error(`no member ${name}`);
    return m;
  }

  byId(id: string): SimMember | undefined {
    return [...this.members.values()].find((m) => m.id === id);
  }

  /** Runs every up member's ready loop and delivers messages until the network is quiet. */
  settle(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      let busy = false;
      for (const m of this.members.values()) if (m.up) while (m.server.readyTurn()) busy = true;
      const inbox = this.inbox;
      this.inbox = [];
      for (const msg of inbox) {
        const from = this.byId(msg.from);
        const to = this.byId(msg.to);
        if (to === undefined || !to.up || from === undefined || this.isCut(from.id, to.id)) continue;
        const revision = to.server.snapshotToFetch(msg);
        if (revision !== undefined) stageSnapshotRows(from, to, revision);
        to.server.step(msg);
        busy = true;
      }
      if (!busy) return;
    }
    throw new Error('cluster did not settle');
  }

  /** Advances time by `n` heartbeat ticks on every up member, settling after each. */
  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      this.nowMs += 100;
      for (const m of this.members.values()) if (m.up) m.server.tick();
      this.settle();
    }
  }

  leader(): SimMember | undefined {
    return [...this.members.values()].find((m) => m.up && m.server.raftStatus.isLeader);
  }

  /** Ticks until a leader is elected and every initial write (publishes, version) is applied. */
  elect(maxTicks = 200): SimMember {
    for (let i = 0; i < maxTicks; i++) {
      this.tick();
      const leader = this.leader();
      if (leader !== undefined && leader.server.cluster.version !== undefined && this.allPublished()) return leader;
    }
    throw new Error('no leader');
  }

  private allPublished(): boolean {
    const leader = this.leader();
    return leader !== undefined && leader.server.cluster.list().every((m) => m.clientURLs.length > 0 || !this.member(m.name).up);
  }

  /** Serves a request at `name` and drives the cluster until it resolves. */
  async serveV2(name: string, fields: Partial<V2Request> & Pick<V2Request, 'method' | 'path'>, maxTicks = 100): Promise<Awaited<ReturnType<EtcdServer['serveV2']>>> {
    return this.drive(this.member(name).server.serveV2(newRequest(fields)), maxTicks);
  }

  partition(a: string, b: string): void {
    this.cut.add(`${this.member(a).id}|${this.member(b).id}`);
    this.cut.add(`${this.member(b).id}|${this.member(a).id}`);
  }

  heal(): void {
    this.cut.clear();
  }

  private isCut(from: string, to: string): boolean {
    return this.cut.has(`${from}|${to}`);
  }

  /** A crash: the member's memory is gone, its disk stays. */
  crash(name: string): void {
    this.member(name).up = false;
  }

  /** Starts a member that was added with `addMember`: empty disk, it learns everything from the leader. */
  join(name: string, id: string): SimMember {
    const disk = new MemoryLogStore();
    const v3Disk = newV3Disk();
    const m: SimMember = { name, id, disk, v3Disk, server: this.newServer(name, id, disk, v3Disk, this.members.size + 200), up: true };
    this.members.set(name, m);
    return m;
  }

  /** Drives the cluster until `promise` settles (for calls other than `do`). */
  async drive<T>(promise: Promise<T>, maxTicks = 100): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => (settled = true));
    tracked.catch(() => undefined);
    for (let i = 0; i < maxTicks && !settled; i++) {
      this.settle();
      await new Promise((r) => setImmediate(r));
      if (!settled) this.tick();
    }
    return tracked;
  }

  restart(name: string): void {
    const m = this.member(name);
    const i = [...this.members.keys()].indexOf(name);
    m.server = this.newServer(name, m.id, m.disk, m.v3Disk, i + 100);
    m.up = true;
  }
}

/** What the member shell does before stepping a snapshot: pull the sender's rows, page by page. */
function stageSnapshotRows(from: SimMember, to: SimMember, revision: number): void {
  to.v3Disk.staging.clear();
  let after: { main: number; sub: number } | undefined;
  for (;;) {
    const rows = from.server.snapshotRows(revision, after, 7);
    if (rows.length === 0) return;
    to.v3Disk.staging.add(rows);
    after = rows[rows.length - 1]!;
  }
}

/** An empty v3 disk: the key bucket, the lease bucket, the alarms and v3 auth, in memory. */
export function newV3Disk(): V3Backends {
  const alarms = new Map<string, AlarmMember>();
  const kv = new MemoryBackend();
  let staged: KeyRow[] = [];
  return {
    kv,
    staging: {
      clear: () => (staged = []),
      add: (rows) => staged.push(...rows),
      install: () => {
        kv.clear();
        kv.putKeyRows(staged);
        staged = [];
      },
    },
    leases: new MemoryLeaseStore(),
    alarms: {
      load: () => [...alarms.values()],
      put: (m) => alarms.set(`${m.alarm}/${m.memberId}`, m),
      delete: (m) => alarms.delete(`${m.alarm}/${m.memberId}`),
    },
    auth: new MemoryAuthBackend(),
  };
}
