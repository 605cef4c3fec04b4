import { DurableObject } from 'cloudflare:workers';
import { handleClientRequest, requestTarget, setServedHeaders, type ClientContext } from '../http/index.ts';
import type { Message } from '../raft/index.ts';
import { computeClusterId, computeMemberId, EtcdServer, type MemberContext } from '../server/index.ts';
import { memberNameOfPeerURL, readConfig, type MemberConfig, type MemberEnv } from './config.ts';
import { parseFaultPlan } from './faults.ts';
import { isWiped, loadIdentity, markWiped, saveIdentity, type Identity } from './identity.ts';
import { WebCryptoPasswordHasher } from './password-hash.ts';
import { migrate } from './schema.ts';
import { FROM_HEADER, MEMBER_HEADER, StubPeerTransport } from './peer-transport.ts';
import { SqliteLogStore } from './sqlite-log-store.ts';

/** Header the front door puts on what it forwards: a member that is not the leader says so. */
export const FRONT_DOOR_HEADER = 'X-Edgecd-Front-Door';
/** On every member response: the leader's member name as this member knows it (`''` if none). */
export const LEADER_HEADER = 'X-Edgecd-Leader';
/** Status of "not the leader, ask the one named in X-Edgecd-Leader" (internal; never a client's). */
export const NOT_LEADER_STATUS = 421;
/** The watchdog alarm's period: an evicted member is woken again within this. */
const WATCHDOG_MS = 30_000;
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
export class Member extends DurableObject<MemberEnv> {
  private readonly config: MemberConfig;
  private logStore: SqliteLogStore;
  private identity: Identity | undefined;
  private server: EtcdServer | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private transport: StubPeerTransport | undefined;
  private readyLoopRunning = false;
  private readonly passwords = new WebCryptoPasswordHasher();

  constructor(ctx: DurableObjectState, env: MemberEnv) {
    super(ctx, env);
    this.config = readConfig(env);
    this.logStore = new SqliteLogStore(ctx.storage.sql, (closure) => ctx.storage.transactionSync(closure));
    this.identity = loadIdentity(ctx.storage.sql);
    if (this.identity !== undefined && !this.identity.removed) this.start(this.identity);
  }

  override async fetch(request: Request): Promise<Response> {
    // The raw path, cut from the URL string (`new URL` per request is a cost the path does not need).
    const { pathname } = requestTarget(request.url);
    if (pathname === '/admin/join') return this.join((await request.json()) as JoinRequest);
    if (pathname === '/admin/wipe') return this.wipe(((await request.json()) as { force?: boolean }).force === true);
    if (pathname === '/admin/faults') return this.setFaults(await request.json());
    const server = this.server ?? this.startAs(this.ctx.id.name ?? request.headers.get(MEMBER_HEADER) ?? undefined);
    if (pathname === '/raft') return this.receiveRaft(request, server);
    if (pathname.startsWith('/admin/')) return this.admin(pathname, server);
    // The front door wants the leader: any other member, running or not (wiped, removed, never
    // joined), names the leader it knows ('' for none) and the front door tries again.
    if (request.headers.has(FRONT_DOOR_HEADER) && server?.raftStatus.isLeader !== true) {
      return new Response(null, { status: NOT_LEADER_STATUS, headers: { [LEADER_HEADER]: this.leaderName(server) } });
    }
    if (server === undefined) {
      return Response.json({ message: this.identity?.removed ? REMOVED_MESSAGE : 'member not started' }, { status: 503 });
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
    if (this.identity === undefined) {
      if (name === undefined || !this.config.initialCluster.has(name) || isWiped(this.ctx.storage.sql)) return undefined;
      this.identity = this.bootstrap(name);
    }
    return this.start(this.identity);
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
    this.logStore = new SqliteLogStore(this.ctx.storage.sql, (closure) => this.ctx.storage.transactionSync(closure));
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
    const server: EtcdServer = new EtcdServer({
      id: identity.id,
      name: identity.name,
      clientURLs: this.config.clientURLs.get(identity.name) ?? (this.config.publicURL === undefined ? [] : [this.config.publicURL]),
      tickMs: this.config.heartbeatMs,
      electionTicks: Math.max(2, Math.round(this.config.electionMs / this.config.heartbeatMs)),
      snapshotCount: this.config.snapshotCount,
      quotaBytes: this.config.quotaBackendBytes,
      logStore: this.logStore,
      transport: (this.transport = new StubPeerTransport({
        namespace: this.env.MEMBER,
        self: identity.name,
        resolve: (id): string | undefined => {
          const peerURL = server.cluster.member(id)?.peerURLs[0] ?? identity.peers[id];
          return peerURL === undefined ? undefined : memberNameOfPeerURL(peerURL);
        },
        onUnreachable: () => undefined,
        onDelivered: (id, ms) => server.recordPeerDelivery(id, ms),
        onFailed: (id) => server.recordPeerFailure(id),
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
      logger: {
        info: (message, fields) => console.log(JSON.stringify({ level: 'info', member: identity.name, message, ...fields })),
        warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', member: identity.name, message, ...fields })),
      },
    });
    this.server = server;
    this.ticker = setInterval(() => this.onTick(), this.config.heartbeatMs);
    void this.ctx.storage.getAlarm().then((at) => (at === null ? this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS) : undefined));
    this.startReadyLoop();
    return server;
  }

  // ---- the ready loop ----

  private onTick(): void {
    this.server?.tick();
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
      while (server.readyTurn()) await this.ctx.storage.sync();
      if (server.isRemoved) this.onRemoved();
    } catch (error) {
      this.fatal(error);
    }
  }

  /** One ready-loop turn, now (a peer is waiting for its answer). */
  private readyTurnNow(server: EtcdServer): void {
    try {
      server.readyTurn();
    } catch (error) {
      this.fatal(error);
    }
  }

  /**
   * An invariant broke (or storage failed): this instance's memory can't be trusted. Log it and
   * reset the object; it restarts from what is durable.
   */
  private fatal(error: unknown): never {
    console.error(JSON.stringify({ level: 'fatal', member: this.identity?.name, error: String(error), stack: (error as Error).stack }));
    this.ctx.abort(String(error));
    throw error;
  }

  private async receiveRaft(request: Request, server: EtcdServer | undefined): Promise<Response> {
    // A removed (or not yet started) member takes no messages; it must not answer 410, which
    // would tell the sender that *it* was removed.
    if (server === undefined || server.isRemoved) return new Response('member not serving', { status: 503 });
    const messages = (await request.json()) as Message[];
    // etcd's rafthttp answers a removed member's messages with 410 Gone; the sender then knows.
    if (messages.some((m) => server.cluster.isRemoved(m.from))) {
      return new Response('the member has been permanently removed from the cluster', { status: 410 });
    }
    for (const m of messages) server.step(m);
    // Answer with what this turn has for the sender (its acknowledgements), in this response.
    const sender = request.headers.get(FROM_HEADER);
    const replies = sender === null ? [] : this.transport!.captureReplies(sender, () => this.readyTurnNow(server));
    this.startReadyLoop();
    return replies.length === 0 ? new Response(null, { status: 204 }) : Response.json(replies);
  }

  private admin(path: string, server: EtcdServer | undefined): Response {
    switch (path) {
      case '/admin/status':
      case '/admin/start':
        return Response.json(this.status(server));
      case '/admin/abort':
        if (!this.config.faultInjection) return new Response('fault injection is off', { status: 403 });
        this.ctx.abort('reset by /admin/abort');
        return new Response(null, { status: 204 });
      default:
        return new Response('404 page not found\n', { status: 404 });
    }
  }

  /** Test and local builds only: drop, duplicate or delay this member's messages (faults.ts). */
  private setFaults(plan: unknown): Response {
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
    };
  }

  private onRemoved(): void {
    if (this.identity === undefined || this.identity.removed) return;
    this.identity = { ...this.identity, removed: true };
    saveIdentity(this.ctx.storage.sql, this.identity);
    if (this.ticker !== undefined) clearInterval(this.ticker);
    console.error(JSON.stringify({ level: 'error', member: this.identity.name, message: REMOVED_MESSAGE }));
  }

  private clientContext(server: EtcdServer): ClientContext {
    return { server, clusterId: this.identity!.clusterId, now: () => Date.now(), passwords: this.passwords };
  }

  private leaderName(server: EtcdServer | undefined): string {
    const peerURL = server?.leaderMember?.peerURLs[0];
    return peerURL === undefined ? '' : memberNameOfPeerURL(peerURL);
  }
}
