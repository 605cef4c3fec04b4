import { DurableObject } from 'cloudflare:workers';
import { handleClientRequest, isHealthCheckPath, requestTarget, setServedHeaders, type ClientContext } from '../http/index.ts';
import type { Message } from '../raft/index.ts';
import { computeClusterId, computeMemberId, EtcdServer, type MemberContext } from '../server/index.ts';
import { memberNameOfPeerURL, readConfig, type MemberConfig, type MemberEnv } from './config.ts';
import { advertisedClientURLs, hasConfiguredClientURLs, learnedPublicURL, NO_CLIENT_URL_MESSAGE, rememberPublicURL } from './client-urls.ts';
import { parseFaultPlan } from './faults.ts';
import { isWiped, loadIdentity, markWiped, saveIdentity, type Identity } from './identity.ts';
import { createMemberLogger, type LoggingEnv, type MemberLogger } from './logger.ts';
import { MemberMetrics } from './member-metrics.ts';
import { MeteredLogStore, type TurnWrites } from './metered-log-store.ts';
import { Readiness } from './readiness.ts';
import { WebCryptoPasswordHasher } from './password-hash.ts';
import { migrate } from './schema.ts';
import { MEMBER_HEADER, raftPeerOf, StubPeerTransport, type RaftAnswer } from './peer-transport.ts';
import { batchBytes, decodeBatch, encodeBatch, type WireBatch } from './raft-wire.ts';
import { SqliteAlarmBackend } from './sqlite-alarm-backend.ts';
import { SqliteAuthBackend } from './sqlite-auth-backend.ts';
import { SqliteLeaseStore } from './sqlite-lease-store.ts';
import { SqliteLogStore } from './sqlite-log-store.ts';
import { SqliteMvccBackend } from './sqlite-mvcc-backend.ts';
import { randomTokenPrefix } from './token-prefix.ts';
import {
  leaderLeases,
  LEASE_RENEW_PATH,
  LEASE_TTL_PATH,
  leaderMembership,
  MEMBER_PROMOTE_PATH,
  pullSnapshotRows,
  serveLeaseRequest,
  serveMemberPromote,
  serveSnapshotRows,
  SNAPSHOT_ROWS_PATH,
} from './v3-peers.ts';

/** Header the front door puts on what it forwards: a member that is not the leader says so. */
export const FRONT_DOOR_HEADER = 'X-Edgecd-Front-Door';
/**
 * FRONT_DOOR_HEADER's value on a quorum read the front door spread over members: any running
 * member serves it (by ReadIndex), not only the leader.
 */
export const FRONT_DOOR_READ = 'read';
/** On every member response: the leader's member name as this member knows it (`''` if none). */
export const LEADER_HEADER = 'X-Edgecd-Leader';
/** Status of "not the leader, ask the one named in X-Edgecd-Leader" (internal; never a client's). */
export const NOT_LEADER_STATUS = 421;
/** The watchdog alarm's period: an evicted member is woken again within this. */
const WATCHDOG_MS = 30_000;
/**
 * How long a client request waits for a member that has not published yet (etcd holds
 * connections until `ReadyNotify`); then it is refused. etcd's request timeout: 5 s plus two
 * election timeouts.
 */
const READY_WAIT_BASE_MS = 5_000;
/** etcd's words when a removed member's data dir is used again (etcdserver/server.go). */
export const REMOVED_MESSAGE = 'the member has been permanently removed from the cluster\nthe data-dir used by this member must be removed.';

/** What `edgecd member start` sends to join a running cluster (etcd's `--initial-cluster-state existing`). */
interface JoinRequest {
  name: string;
  id: string;
  clusterId: string;
  /** The cluster's current members: Raft ID → peer URL. */
  peers: Record<string, string>;
}

/**
 * One etcd member as a Durable Object. A thin shell: the member's brain is `EtcdServer`; this
 * class gives it SQLite storage, a peer transport over stubs, a ticker and the HTTP front.
 */
export class Member extends DurableObject<MemberEnv & LoggingEnv> {
  private readonly config: MemberConfig;
  private logStore: MeteredLogStore;
  private readonly metrics = new MemberMetrics(Date.now());
  private logger: MemberLogger;
  private readiness = new Readiness();
  private identity: Identity | undefined;
  private server: EtcdServer | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private transport: StubPeerTransport | undefined;
  private readyLoopRunning = false;
  private pullingSnapshot = false;
  /** The v3 key bucket of the running server (its snapshot staging is used before a step). */
  private mvcc: SqliteMvccBackend | undefined;
  private readonly passwords = new WebCryptoPasswordHasher();

  constructor(ctx: DurableObjectState, env: MemberEnv & LoggingEnv) {
    super(ctx, env);
    this.config = readConfig(env);
    this.logStore = new MeteredLogStore(ctx.storage.sql, (closure) => ctx.storage.transactionSync(closure));
    this.identity = loadIdentity(ctx.storage.sql);
    this.logger = createMemberLogger(this.identity?.name ?? ctx.id.name ?? '', env.LOG_LEVEL);
    if (this.identity !== undefined && !this.identity.removed) this.start(this.identity);
  }

  override async fetch(request: Request): Promise<Response> {
    // The raw path, cut from the URL string (`new URL` per request is a cost the path does not need).
    const { pathname } = requestTarget(request.url);
    if (pathname === '/admin/join') return this.join((await request.json()) as JoinRequest);
    if (pathname === '/admin/wipe') return this.wipe(((await request.json()) as { force?: boolean }).force === true);
    // Fault hooks exist only in builds that compile them in (build-flags.ts); elsewhere a 404 below.
    if (EDGECD_FAULT_INJECTION && pathname === '/admin/faults') return this.setFaults(await request.json());
    if (pathname === '/admin/public-url') return this.learnPublicURL(await request.text(), request.headers.get(MEMBER_HEADER));
    const server = this.server ?? this.startAs(this.ctx.id.name ?? request.headers.get(MEMBER_HEADER) ?? undefined);
    if (pathname === SNAPSHOT_ROWS_PATH && server !== undefined) return serveSnapshotRows(request, server);
    if ((pathname === LEASE_RENEW_PATH || pathname === LEASE_TTL_PATH) && server !== undefined) {
      return serveLeaseRequest(request, pathname, server);
    }
    if (pathname === MEMBER_PROMOTE_PATH && server !== undefined) return serveMemberPromote(request, server);
    if (pathname.startsWith('/admin/')) return this.admin(pathname, server);
    // The front door wants the leader: any other member, running or not (wiped, removed, never
    // joined), names the leader it knows ('' for none) and the front door tries again.
    const frontDoor = request.headers.get(FRONT_DOOR_HEADER);
    if (frontDoor !== null && server?.raftStatus.isLeader !== true && !(frontDoor === FRONT_DOOR_READ && server?.isReady === true)) {
      return new Response(null, { status: NOT_LEADER_STATUS, headers: { [LEADER_HEADER]: this.leaderName(server) } });
    }
    if (server === undefined) {
      const reason = this.identity?.removed ? REMOVED_MESSAGE : this.lacksClientURL() ? NO_CLIENT_URL_MESSAGE : 'member not started';
      return Response.json({ message: reason }, { status: 503 });
    }
    // etcd serves no client before its publish is applied (ReadyNotify); what reports on the
    // member itself (metrics, health checks) answers at once.
    if (!server.isReady && pathname !== '/metrics' && !isHealthCheckPath(pathname) && !(await this.waitUntilReady())) {
      return Response.json({ message: `member ${server.name} is not ready: it has not published its client URLs through raft yet` }, { status: 503 });
    }
    const response = await handleClientRequest(request, this.clientContext(server));
    this.startReadyLoop();
    // The handler built this response, so its headers are mutable: the served headers go on here
    // and the front door hands the response on without a copy. A front-door request answered
    // here was answered by the leader: no leader hint needed.
    setServedHeaders(response.headers);
    return response;
  }

  override async alarm(): Promise<void> {
    this.startAs(this.ctx.id.name);
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
  }

  // ---- start-up ----

  /**
   * Starts this member if it can: from its storage, or, for a member of `--initial-cluster` that
   * never ran (and was not wiped), by bootstrapping the new cluster.
   */
  private startAs(name: string | undefined): EtcdServer | undefined {
    if (this.server !== undefined || this.identity?.removed) return this.server;
    const clientName = this.identity?.name ?? name;
    // Deployed with no client URL set, a member waits for the front door to tell it its origin.
    if (clientName === undefined || this.clientURLsOf(clientName) === undefined) return undefined;
    if (this.identity === undefined) {
      if (name === undefined || !this.config.initialCluster.has(name) || isWiped(this.ctx.storage.sql)) return undefined;
      this.identity = this.bootstrap(name);
    }
    return this.start(this.identity);
  }

  private clientURLsOf(name: string): string[] | undefined {
    return advertisedClientURLs(this.config, name, learnedPublicURL(this.ctx.storage));
  }

  /** A member that would start but for a client URL to publish (not one of no cluster). */
  private lacksClientURL(): boolean {
    const name = this.identity?.name ?? this.ctx.id.name;
    if (name === undefined || (this.identity === undefined && !this.config.initialCluster.has(name))) return false;
    return this.clientURLsOf(name) === undefined;
  }

  /**
   * The front door reports the origin it was reached at (a deployed worker's public URL): a
   * member with no client URL set by hand keeps the first one and starts with it.
   */
  private learnPublicURL(origin: string, name: string | null): Response {
    const memberName = this.identity?.name ?? name ?? this.ctx.id.name;
    if (memberName === undefined || hasConfiguredClientURLs(this.config, memberName)) return new Response(null, { status: 204 });
    const kept = rememberPublicURL(this.ctx.storage, origin);
    this.startAs(memberName);
    return Response.json({ publicURL: kept });
  }

  /** Holds a client request until the running server is ready; false if it is not in time. */
  private waitUntilReady(): Promise<boolean> {
    this.metrics.requestsHeld.inc();
    return this.readiness.wait(READY_WAIT_BASE_MS + 2 * this.config.electionMs);
  }

  /**
   * `edgecd member start --initial-cluster-state existing`: become the member the cluster added
   * (`etcdctl member add`), with an empty log that the leader fills. Storage that belonged to
   * another member, or to this one before it was removed, is refused with etcd's words.
   */
  private join(request: JoinRequest): Response {
    if (this.identity !== undefined) {
      if (this.identity.removed || this.identity.id !== request.id) {
        return Response.json({ message: REMOVED_MESSAGE, id: this.identity.id }, { status: 409 });
      }
      this.startAs(this.identity.name);
      return Response.json(this.status(this.server));
    }
    this.identity = { name: request.name, id: request.id, clusterId: request.clusterId, removed: false, peers: request.peers };
    saveIdentity(this.ctx.storage.sql, this.identity);
    return Response.json(this.status(this.start(this.identity)));
  }

  /**
   * `edgecd member wipe` (the seed's `docker volume rm`): delete everything this object stores. A
   * live member of the cluster is kept unless forced: wiping it would lose a voter's log.
   */
  private async wipe(force: boolean): Promise<Response> {
    if (this.server !== undefined && !this.server.isRemoved && !force) {
      return Response.json({ message: `${this.identity?.name ?? 'this member'} is a live member of the cluster: remove it first (or force the wipe)` }, { status: 409 });
    }
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.server = undefined;
    this.identity = undefined;
    await this.ctx.storage.deleteAll();
    await this.ctx.storage.deleteAlarm();
    migrate(this.ctx.storage.sql);
    markWiped(this.ctx.storage.sql);
    this.logStore = new MeteredLogStore(this.ctx.storage.sql, (closure) => this.ctx.storage.transactionSync(closure));
    return Response.json({ wiped: true });
  }

  /** etcd's `--initial-cluster-state new`: the initial members' IDs and the cluster ID, as etcd computes them. */
  private bootstrap(name: string): Identity {
    const members: MemberContext[] = [...this.config.initialCluster].map(([memberName, peerURLs]) => ({
      id: computeMemberId(peerURLs, this.config.initialClusterToken),
      name: memberName,
      peerURLs,
      clientURLs: [],
    }));
    const self = members.find((m) => m.name === name)!;
    const identity: Identity = { name, id: self.id, clusterId: computeClusterId(members.map((m) => m.id)), removed: false, peers: {} };
    this.ctx.storage.transactionSync(() => {
      saveIdentity(this.ctx.storage.sql, identity);
      EtcdServer.bootstrap(this.logStore, members);
    });
    return identity;
  }

  private start(identity: Identity): EtcdServer {
    this.logger = createMemberLogger(identity.name, this.env.LOG_LEVEL);
    const readiness = (this.readiness = new Readiness());
    const sql = this.ctx.storage.sql;
    const mvcc = (this.mvcc = new SqliteMvccBackend(sql));
    const server: EtcdServer = new EtcdServer({
      id: identity.id,
      name: identity.name,
      clusterId: identity.clusterId,
      v3: { kv: mvcc, staging: mvcc.staging, leases: new SqliteLeaseStore(sql), alarms: new SqliteAlarmBackend(sql), auth: new SqliteAuthBackend(sql) },
      authPorts: { hasher: this.passwords, tokenPrefix: randomTokenPrefix },
      leaderLeases: (leaderId) => {
        const peerURL = server.cluster.member(leaderId)?.peerURLs[0];
        return peerURL === undefined ? undefined : leaderLeases((name) => this.stub(name), memberNameOfPeerURL(peerURL));
      },
      leaderMembership: (leaderId) => {
        const peerURL = server.cluster.member(leaderId)?.peerURLs[0];
        return peerURL === undefined ? undefined : leaderMembership((name) => this.stub(name), memberNameOfPeerURL(peerURL));
      },
      clientURLs: this.clientURLsOf(identity.name) ?? [],
      tickMs: this.config.heartbeatMs,
      electionTicks: Math.max(2, Math.round(this.config.electionMs / this.config.heartbeatMs)),
      snapshotCount: this.config.snapshotCount,
      quotaBytes: this.config.quotaV2Bytes,
      maxV2Watchers: this.config.maxWatchers,
      v3QuotaBytes: this.config.quotaBackendBytes,
      v3QuotaKeys: this.config.quotaV3Keys,
      logStore: this.logStore,
      transport: (this.transport = new StubPeerTransport({
        peer: (name) => raftPeerOf(this.env.MEMBER, name),
        self: identity.name,
        resolve: (id): string | undefined => {
          const peerURL = server.cluster.member(id)?.peerURLs[0] ?? identity.peers[id];
          return peerURL === undefined ? undefined : memberNameOfPeerURL(peerURL);
        },
        onUnreachable: () => undefined,
        onDelivered: (id, ms) => {
          server.recordPeerDelivery(id, ms);
          this.metrics.peerRoundTrip.labels(id).observe(ms / 1000);
        },
        onFailed: (id) => {
          server.recordPeerFailure(id);
          this.metrics.peerSentFailures.labels(id).inc();
        },
        onRemoved: () => this.onRemoved(),
        onReply: (messages) => {
          for (const m of messages) server.step(m);
          this.startReadyLoop();
        },
        timeoutMs: this.config.electionMs,
      })),
      clock: { now: () => Date.now() },
      random: Math.random,
      // Deferred: the server may wake us from inside a ready-loop turn (a read index requested, a
      // queued proposal resubmitted), and a turn must finish (advance) before the next one runs.
      wake: () => queueMicrotask(() => this.startReadyLoop()),
      initialElectionTickAdvance: true,
      logger: this.logger,
      onReady: () => {
        this.logger.info('ready to serve client requests', { id: identity.id });
        readiness.notify();
      },
    });
    this.metrics.registerInto(server.metrics.registry, server, {
      walBytes: () => this.logStore.walBytes,
      databaseBytes: () => this.ctx.storage.sql.databaseSize,
    });
    this.logger.info('starting local member', { id: identity.id, 'cluster-id': identity.clusterId, 'client-urls': this.clientURLsOf(identity.name) ?? [] });
    this.server = server;
    this.ticker = setInterval(() => this.onTick(), this.config.heartbeatMs);
    void this.ctx.storage.getAlarm().then((at) => (at === null ? this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS) : undefined));
    this.startReadyLoop();
    return server;
  }

  // ---- the ready loop ----

  private onTick(): void {
    this.server?.tick();
    this.transport?.expireStuck(Date.now());
    this.startReadyLoop();
  }

  /**
   * Runs the server's ready loop unless it is running. Between turns it waits for the turn's
   * writes to be durable; whatever is proposed meanwhile rides the next turn (group commit).
   */
  private startReadyLoop(): void {
    if (this.readyLoopRunning || this.server === undefined) return;
    this.readyLoopRunning = true;
    void this.readyLoop(this.server).finally(() => (this.readyLoopRunning = false));
  }

  private async readyLoop(server: EtcdServer): Promise<void> {
    try {
      while (roleTurn(server)) await this.durable(this.logStore.takeWrites());
      if (server.isRemoved) this.onRemoved();
    } catch (error) {
      this.fatal(error);
    }
  }

  /** One ready-loop turn, now (a peer is waiting for its answer). */
  private readyTurnNow(server: EtcdServer): void {
    try {
      roleTurn(server);
    } catch (error) {
      this.fatal(error);
    }
    // The output gate holds the answer until the turn is durable; the time that takes is timed
    // on the side, not awaited here.
    const writes = this.logStore.takeWrites();
    if (writes.log || writes.snapshot) this.durable(writes).catch(() => undefined);
  }

  /**
   * Waits until a turn's writes are durable: SQLite's commit, this member's fsync. Timed into
   * etcd's disk histograms when the turn wrote the log or a snapshot (Date.now moves across
   * the wait, which is I/O).
   */
  private async durable(writes: TurnWrites): Promise<void> {
    const started = Date.now();
    await this.ctx.storage.sync();
    if (writes.log || writes.snapshot) this.metrics.committed(writes, (Date.now() - started) / 1000);
  }

  /**
   * An invariant broke (or storage failed): this instance's memory can't be trusted. Log it and
   * reset the object; it restarts from what is durable.
   */
  private fatal(error: unknown): never {
    this.logger.fatal('member reset: an invariant broke or storage failed', { error: String(error), stack: (error as Error).stack });
    this.ctx.abort(String(error));
    throw error;
  }

  /**
   * A peer's batch of Raft messages (Durable Object RPC, called by StubPeerTransport). `to` is
   * this member's name as the sender knows it (a member not yet started starts as it), `from`
   * the sender's, so a removed sender can be told so and acknowledgements ride the answer.
   */
  async raft(to: string, from: string, batch: WireBatch): Promise<RaftAnswer> {
    const server = this.server ?? this.startAs(this.ctx.id.name ?? to);
    // A removed (or not yet started) member takes no messages; it must not answer 'removed',
    // which would tell the sender that *it* was removed.
    if (server === undefined || server.isRemoved) return 'not-serving';
    const messages = decodeBatch(batch);
    if (messages[0] !== undefined) this.metrics.peerReceivedBytes.labels(messages[0].from).inc(batchBytes(batch));
    // etcd's rafthttp answers a removed member's messages with 410 Gone; the sender then knows.
    if (messages.some((m) => server.cluster.isRemoved(m.from))) return 'removed';
    for (const m of messages) {
      const revision = server.snapshotToFetch(m);
      if (revision !== undefined && !(await this.stageSnapshot(server, m, revision))) continue;
      server.step(m);
    }
    // Answer with what this turn has for the sender (its acknowledgements), in this answer.
    const replies = this.transport!.captureReplies(from, () => this.readyTurnNow(server));
    this.startReadyLoop();
    return replies.length === 0 ? null : encodeBatch(replies);
  }

  /**
   * Before a snapshot message is stepped, its v3 rows come from the member that sent it. One pull
   * at a time: a snapshot the leader sends again meanwhile is dropped (it resends until acked).
   */
  private async stageSnapshot(server: EtcdServer, message: Message, revision: number): Promise<boolean> {
    const sender = server.cluster.member(message.from)?.peerURLs[0] ?? this.identity?.peers[message.from];
    if (this.pullingSnapshot || sender === undefined) return false;
    this.pullingSnapshot = true;
    try {
      await pullSnapshotRows((name) => this.stub(name), memberNameOfPeerURL(sender), revision, this.mvcc!.staging);
      return true;
    } catch (error) {
      console.warn(JSON.stringify({ level: 'warn', member: this.identity?.name, msg: 'failed to receive a snapshot\'s rows', error: String(error) }));
      return false;
    } finally {
      this.pullingSnapshot = false;
    }
  }

  private stub(name: string): DurableObjectStub {
    return this.env.MEMBER.get(this.env.MEMBER.idFromName(name));
  }

  private admin(path: string, server: EtcdServer | undefined): Response {
    // Only in builds with the fault hooks (build-flags.ts): elsewhere the path is not even in the bundle.
    if (EDGECD_FAULT_INJECTION && path === '/admin/abort') {
      if (!this.config.faultInjection) return new Response('fault injection is off', { status: 403 });
      this.ctx.abort('reset by /admin/abort');
      return new Response(null, { status: 204 });
    }
    switch (path) {
      case '/admin/status':
      case '/admin/start':
        return Response.json(this.status(server));
      default:
        return new Response('404 page not found\n', { status: 404 });
    }
  }

  /** Test and local builds only: drop, duplicate or delay this member's messages (faults.ts). */
  private setFaults(plan: unknown): Response {
    if (!EDGECD_FAULT_INJECTION) return new Response('404 page not found\n', { status: 404 });
    if (!this.config.faultInjection) return new Response('fault injection is off', { status: 403 });
    if (this.transport !== undefined) this.transport.faults = parseFaultPlan(plan);
    return Response.json(this.transport?.faults ?? null);
  }

  private status(server: EtcdServer | undefined): Record<string, unknown> {
    if (server === undefined) return { started: false, removed: this.identity?.removed ?? false, name: this.identity?.name ?? null };
    const raft = server.raftStatus;
    return {
      started: true,
      removed: server.isRemoved,
      name: server.name,
      id: server.id,
      clusterId: this.identity?.clusterId,
      leader: raft.leader,
      leaderName: this.leaderName(server),
      isLeader: raft.isLeader,
      term: raft.term,
      commit: raft.commit,
      applied: raft.applied,
      ready: server.isReady,
    };
  }

  private onRemoved(): void {
    if (this.identity === undefined || this.identity.removed) return;
    this.identity = { ...this.identity, removed: true };
    saveIdentity(this.ctx.storage.sql, this.identity);
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.logger.error(REMOVED_MESSAGE);
  }

  private clientContext(server: EtcdServer): ClientContext {
    return { server, clusterId: this.identity!.clusterId, now: () => Date.now(), passwords: this.passwords };
  }

  private leaderName(server: EtcdServer | undefined): string {
    const peerURL = server?.leaderMember?.peerURLs[0];
    return peerURL === undefined ? '' : memberNameOfPeerURL(peerURL);
  }
}

/**
 * One ready-loop turn under a name that says the member's role. Locally the three members share
 * one isolate, and the bench's CPU profile (scripts/bench/profile) tells the leader's time from
 * a follower's by these frames (with Member.fetch, Member.raft and the peer channel's `post`).
 */
function roleTurn(server: EtcdServer): boolean {
  return server.raftStatus.isLeader ? leaderTurn(server) : followerTurn(server);
}

function leaderTurn(server: EtcdServer): boolean {
  return server.readyTurn();
}

function followerTurn(server: EtcdServer): boolean {
  return server.readyTurn();
}
