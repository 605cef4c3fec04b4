import {
  ProposalDroppedError,
  RawNode,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type Ready,
  type Snapshot,
  type SoftState,
} from '../raft/index.ts';
import { nodeFootprint, Store, type Event, type Watcher } from '../store/index.ts';
import { AppliedRequests } from './applied-requests.ts';
import { applyV2Request, type ApplyResult } from './apply.ts';
import { memberAttributesPath, memberRaftAttributesPath, RaftCluster, type Member, type MemberContext } from './cluster.ts';
import { ServerError } from './errors.ts';
import { computeMemberId, type MemberId } from './member-id.ts';
import type { Clock, LogStore, Logger, PeerTransport } from './ports.ts';
import { ReadIndexBatcher } from './read-index.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot-payload.ts';
import { appendSize, LeaderStats, readMembershipAsEtcdDoes, ServerStats, type LeaderStatsJSON, type SelfStatsJSON } from './stats.ts';
import { decodeRequest, encodeRequest, newRequest, type V2Request } from './request.ts';
import { Wait } from './wait.ts';

/** The cluster version a leader records once its cluster is up (etcd 3.4 decides "3.4.0"). */
export const CLUSTER_VERSION = '3.4.0';

export interface ServerOptions {
  id: MemberId;
  name: string;
  clientURLs: string[];
  /** etcd's `--heartbeat-interval` in ms: the period at which the host calls `tick()`. */
  tickMs: number;
  /** etcd's `--election-timeout` in ticks. */
  electionTicks: number;
  /** etcd's `--snapshot-count`: applied entries between snapshots. */
  snapshotCount: number;
  /**
   * etcd's `--quota-backend-bytes`, for the memory a member's store may hold: a write that would
   * take the store past it is refused (`etcdserver: no space`, as etcd v3 refuses writes past its
   * quota); deletes are always accepted, so space can be freed. 0 = no quota.
   */
  quotaBytes?: number;
  logStore: LogStore;
  transport: PeerTransport<Message>;
  clock: Clock;
  /** Seeded randomness for Raft's election jitter. */
  random: () => number;
  /**
   * Called when Raft has new work outside the host's own calls (a client's proposal or read):
   * the host should run the ready loop soon. Without it a request would wait for the next tick.
   */
  wake?: () => void;
  /**
   * etcd's `--initial-election-tick-advance` (on by default in etcd 3.4): a starting member
   * fast-forwards its election clock to one tick before its timeout, so a new cluster elects its
   * first leader in about a heartbeat instead of a whole election timeout. Randomization stays.
   */
  initialElectionTickAdvance?: boolean;
  logger?: Logger;
}

export interface ServerResponse {
  event?: Event;
  watcher?: Watcher;
  /** `X-Raft-Index`: the commit index. */
  index: number;
  /** `X-Raft-Term`. */
  term: number;
}

/**
 * etcd's `HealthInterval`: a membership change needs every voter connected for this long
 * (`isConnectedFullySince`), so a cluster refuses changes in its first seconds.
 */
const HEALTH_INTERVAL_MS = 5_000;
/** etcd's `SyncTicker`: while keys with a TTL exist the leader proposes a SYNC every 500 ms. */
const SYNC_INTERVAL_MS = 500;
/** etcd's request timeout: 5 s plus two election timeouts. */
const REQUEST_TIMEOUT_BASE_MS = 5_000;
/** etcd's `--max-request-bytes` default (1.5 MiB): a larger request is refused, not written. */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** Entries kept behind a snapshot so a slightly lagging follower catches up from the log. */
const CATCH_UP_ENTRIES = 5_000;
/** Raft message size cap (etcd: 1 MiB) and in-flight window (etcd: 256 messages). */
const MAX_SIZE_PER_MSG = 1024 * 1024;
const MAX_INFLIGHT_MSGS = 256;

/**
 * One etcd member's brain: a Raft node, the v2 store it applies the log to, the cluster
 * membership, and the requests waiting on both. It does no I/O of its own: the host calls
 * `tick()` on a timer, hands it peers' messages with `step()`, clients' requests with `do()`, and
 * runs `processReady()` until it returns false after each of those (the ready loop: persist,
 * send, apply, resolve, advance).
 */
export class EtcdServer {
  readonly store: Store;
  readonly cluster: RaftCluster;
  private readonly node: RawNode;
  private readonly wait = new Wait<ApplyResult>();
  private readonly applied = new AppliedRequests();
  private readonly reads: ReadIndexBatcher;
  private readonly requestTimeoutTicks: number;
  private readonly syncTicks: number;
  /** `/v2/stats/self` and `/v2/stats/leader` (etcd's `ServerStats` and `LeaderStats`). */
  private readonly serverStats: ServerStats;
  private readonly leaderStats: LeaderStats;
  private readonly healthTicks: number;
  /** When each peer was first and last heard from, in ticks (etcd's transport `ActiveSince`). */
  private readonly peerActivity = new Map<MemberId, { since: number; last: number }>();

  private ticks = 0;
  private inTurn = false;
  /** The hard state last written, and a newer one that only moved the commit index (see `persisted`). */
  private persistedHardState: HardState;
  private unpersistedHardState: HardState | undefined;
  private appliedIndex = 0;
  private snapshotIndex = 0;
  private confState: ConfState = { voters: [], learners: [] };
  private term = 0;
  private commitIndex = 0;
  private leaderId: MemberId = '';
  private isLeader = false;
  /** IDs this member proposed while leader; they fail fast if it loses leadership. */
  private readonly proposedAsLeader = new Set<string>();
  /** Proposals that found no leader; submitted again when one is known. */
  private queued: { id: string; data: string }[] = [];
  private requestSeq = 0;
  private readonly requestEpoch: string;
  private published = false;
  private publishing = false;
  private removed = false;

  constructor(private readonly options: ServerOptions) {
    // `/0` holds the membership, `/1` the users' keys (etcd's StoreClusterPrefix, StoreKeysPrefix).
    this.store = new Store({ clock: options.clock, namespaces: ['/0', '/1'] });
    this.cluster = new RaftCluster(this.store);
    this.requestTimeoutTicks = Math.ceil((REQUEST_TIMEOUT_BASE_MS + 2 * options.electionTicks * options.tickMs) / options.tickMs);
    this.syncTicks = Math.max(1, Math.round(SYNC_INTERVAL_MS / options.tickMs));
    this.healthTicks = Math.ceil(HEALTH_INTERVAL_MS / options.tickMs);
    this.requestEpoch = Math.floor(options.clock.now()).toString(36);
    this.serverStats = new ServerStats(options.name, options.id, options.clock.now());
    this.leaderStats = new LeaderStats(options.id);

    const snapshot = options.logStore.snapshot();
    if (snapshot.metadata.index > 0) this.restore(snapshot);
    this.node = new RawNode({
      id: options.id,
      electionTick: options.electionTicks,
      heartbeatTick: 1,
      storage: options.logStore,
      applied: this.appliedIndex,
      maxSizePerMsg: MAX_SIZE_PER_MSG,
      maxInflightMsgs: MAX_INFLIGHT_MSGS,
      checkQuorum: true,
      preVote: true,
      random: options.random,
    });
    if (options.initialElectionTickAdvance === true) {
      for (let i = 1; i < options.electionTicks; i++) this.node.tick();
    }
    this.reads = new ReadIndexBatcher((ctx) => {
      this.node.readIndex(ctx);
      this.options.wake?.();
    }, options.electionTicks);
    const { hardState } = options.logStore.initialState();
    this.term = hardState.term;
    this.commitIndex = hardState.commit;
    this.persistedHardState = hardState;
  }

  /**
   * Writes a new cluster's first log entries (etcd's bootstrap): one AddNode per initial member at
   * term 1, already committed. Applying them fills the membership on every member alike.
   */
  static bootstrap(logStore: LogStore, members: readonly MemberContext[]): void {
    const entries: Entry[] = members.map((m, i) => ({
      term: 1,
      index: i + 1,
      type: 'confChange',
      data: JSON.stringify({ type: 'addNode', nodeId: m.id, context: JSON.stringify({ member: m }) } satisfies ConfChange),
    }));
    logStore.save({ entries, hardState: { term: 1, vote: '', commit: entries.length } });
  }

  // ---- the host's entry points ----

  tick(): void {
    if (this.removed) return;
    this.ticks++;
    this.node.tick();
    if (this.isLeader && this.ticks % this.syncTicks === 0 && this.store.hasTTLKeys()) this.proposeSync();
    if (!this.published && !this.publishing && this.ticks % this.options.electionTicks === 0) this.publish();
    const timeout = new ServerError(this.leaderId === '' ? ServerError.TimeoutDueToLeaderFail : ServerError.Timeout);
    this.wait.expire(this.ticks, timeout);
    this.queued = this.queued.filter((q) => this.wait.isRegistered(q.id));
    this.reads.onTick(this.ticks, timeout);
  }

  step(message: Message): void {
    if (this.removed) return;
    const activity = this.peerActivity.get(message.from);
    if (activity === undefined || this.ticks - activity.last > this.options.electionTicks) {
      this.peerActivity.set(message.from, { since: this.ticks, last: this.ticks });
    } else {
      activity.last = this.ticks;
    }
    // etcd counts a MsgApp when its server hands it to Raft (`EtcdServer.Process`).
    if (message.type === 'MsgApp') this.serverStats.recvAppendReq(message.from, appendSize(message.entries), this.options.clock.now());
    this.node.step(message);
  }

  /** Serves one v2 request: local reads, ReadIndex quorum reads, or a write through the log. */
  async do(request: V2Request): Promise<ServerResponse> {
    if (this.removed) throw new ServerError(ServerError.Removed);
    switch (request.method) {
      case 'GET':
      case 'HEAD':
        if (request.wait) {
          const watcher = this.store.watch(request.path, request.recursive, request.stream, request.since);
          return this.respond({ watcher });
        }
        return this.respond({ event: this.store.get(request.path, request.recursive, request.sorted) });
      case 'QGET':
      {
        const ready = this.reads.read(this.ticks + this.requestTimeoutTicks);
        this.reads.kick(this.ticks);
        await ready;
      }
        return this.respond({ event: this.store.get(request.path, request.recursive, request.sorted) });
      default: {
        if (this.wouldExceedQuota(request)) throw new ServerError(ServerError.NoSpace);
        const outcome = await this.propose(request);
        if (outcome.error !== undefined) throw outcome.error;
        return this.respond(outcome.event === undefined ? {} : { event: outcome.event });
      }
    }
  }

  /**
   * Checked when a write is proposed, never when it is applied: every member applies the same
   * log whatever its own quota. A write is charged what the node it makes will cost.
   */
  private wouldExceedQuota(request: V2Request): boolean {
    const quota = this.options.quotaBytes ?? 0;
    if (quota === 0 || (request.method !== 'PUT' && request.method !== 'POST')) return false;
    return this.store.approximateBytes() + nodeFootprint(request.path, request.val) > quota;
  }

  // ---- membership (etcd's AddMember / RemoveMember / UpdateMember) ----

  /**
   * Adds a member by its peer URLs. Its ID is etcd's for a member added at run time: SHA-1 of
   * the peer URLs and the Unix time of the request (`NewMember("", urls, "", &now)`), so IDs are
   * never reused. Resolves with the new member once the change is applied.
   */
  async addMember(peerURLs: string[], nowMs: number): Promise<Member> {
    if (!this.cluster.isReadyToAddVotingMember()) throw new ServerError(ServerError.NotEnoughStartedMembers);
    const voters = this.cluster.ids().filter((id) => id !== this.options.id);
    if (this.isLeader && voters.some((id) => !this.connectedSince(id, this.ticks - this.healthTicks))) {
      throw new ServerError(ServerError.Unhealthy);
    }
    const member: MemberContext = { id: computeMemberId(peerURLs, '', Math.floor(nowMs / 1000)), name: '', peerURLs, clientURLs: [] };
    await this.configure({ type: 'addNode', nodeId: member.id }, member);
    return { id: member.id, name: '', peerURLs: [...peerURLs], clientURLs: [] };
  }

  /**
   * Removes a member. Removing the leader itself is fine: when it applies the change, Raft hands
   * leadership to the most up-to-date voter (TimeoutNow) and steps down.
   */
  async removeMember(id: MemberId): Promise<void> {
    if (this.cluster.member(id) !== undefined && !this.cluster.isReadyToRemoveVotingMember(id)) {
      throw new ServerError(ServerError.NotEnoughStartedMembers);
    }
    // etcd's `mayRemoveMember`: a member that is down may always go; otherwise the members left
    // connected must stay a quorum. Only the leader hears from every peer, so only it can tell.
    const reachable = this.cluster.member(id) !== undefined && (id === this.options.id || this.connectedSince(id, this.ticks));
    if (this.isLeader && reachable) {
      const voters = this.cluster.ids();
      const active = voters.filter((v) => v === this.options.id || this.connectedSince(v, this.ticks - this.healthTicks)).length;
      if (active - 1 < 1 + Math.floor((voters.length - 1) / 2)) throw new ServerError(ServerError.Unhealthy);
    }
    await this.configure({ type: 'removeNode', nodeId: id });
  }

  /** Changes a member's peer URLs (validated when applied: unknown ID, URL already in use). */
  async updateMember(id: MemberId, peerURLs: string[]): Promise<void> {
    const request = newRequest({ method: 'PUT', path: memberRaftAttributesPath(id), val: JSON.stringify({ peerURLs }) });
    const outcome = await this.propose(request);
    if (outcome.error !== undefined) throw outcome.error;
  }

  /** Whether a peer has been heard from continuously since `sinceTick` (and recently). */
  private connectedSince(id: MemberId, sinceTick: number): boolean {
    const activity = this.peerActivity.get(id);
    return activity !== undefined && activity.since <= sinceTick && this.ticks - activity.last <= this.options.electionTicks;
  }

  /** etcd's `configure`: propose a conf change and wait until it is applied. */
  private async configure(change: ConfChange, member?: MemberContext): Promise<void> {
    if (this.removed) throw new ServerError(ServerError.Removed);
    const id = this.nextRequestId();
    const result = this.wait.register(id, this.ticks + this.requestTimeoutTicks);
    try {
      this.node.proposeConfChange({ ...change, context: JSON.stringify({ requestId: id, member }) });
      this.options.wake?.();
    } catch (error) {
      this.wait.fail(id, error instanceof ProposalDroppedError ? new ServerError(ServerError.TimeoutDueToLeaderFail) : (error as Error));
    }
    const outcome = await result;
    if (outcome.error !== undefined) throw outcome.error;
  }

  /**
   * The ready loop, one turn: persist (one transaction), send, apply, resolve, advance. Returns
   * false when Raft had nothing ready. The host awaits durability between turns, so everything
   * proposed meanwhile rides the next turn's transaction (group commit).
   */
  processReady(): boolean {
    // A turn runs to its end (advance) before the next: a host woken from inside one waits.
    if (this.inTurn || !this.node.hasReady()) return false;
    this.inTurn = true;
    try {
      return this.turn();
    } finally {
      this.inTurn = false;
    }
  }

  private turn(): true {
    const rd = this.node.ready();
    if (rd.softState !== undefined) this.onSoftState(rd.softState);
    if (rd.hardState !== undefined) {
      this.term = rd.hardState.term;
      this.commitIndex = rd.hardState.commit;
      this.unpersistedHardState = rd.hardState;
    }
    // A leader's replication goes out before its own write (thesis §10.2.1): the followers
    // persist in parallel with it. Safe because the leader counts itself towards a commit only
    // in a later turn, after this write; on Durable Objects a message sent after the write
    // would also wait for it to be durable (the output gate).
    this.countAppends(rd.messages);
    this.options.transport.send(rd.messages);
    const update = this.persisted(rd);
    if (update !== undefined) this.options.logStore.save(update);
    if (rd.snapshot !== undefined && rd.snapshot.metadata.index > 0) this.restore(rd.snapshot);
    this.countAppends(rd.messagesAfterPersist);
    this.options.transport.send(rd.messagesAfterPersist);
    for (const entry of rd.committedEntries) this.applyEntry(entry);
    for (const rs of rd.readStates) this.reads.onReadState(rs.requestCtx, rs.index);
    this.node.advance(rd);
    this.reads.release(this.appliedIndex, this.ticks);
    this.reads.kick(this.ticks);
    this.maybeSnapshot();
    return true;
  }

  // ---- what the host and the HTTP layer read ----

  get id(): MemberId {
    return this.options.id;
  }

  get name(): string {
    return this.options.name;
  }

  /** The leader's ID, `''` during an election. */
  get leader(): MemberId {
    return this.leaderId;
  }

  get leaderMember(): Member | undefined {
    return this.leaderId === '' ? undefined : this.cluster.member(this.leaderId);
  }

  get isRemoved(): boolean {
    return this.removed;
  }

  get raftStatus(): { term: number; commit: number; applied: number; leader: MemberId; isLeader: boolean } {
    return { term: this.term, commit: this.commitIndex, applied: this.appliedIndex, leader: this.leaderId, isLeader: this.isLeader };
  }

  /** `/v2/stats/self`. */
  selfStats(): SelfStatsJSON {
    return this.serverStats.toJSON(this.options.clock.now());
  }

  /** `/v2/stats/leader`, or undefined unless this member is the leader (etcd: 403 not current leader). */
  leaderStatsJSON(): LeaderStatsJSON | undefined {
    if (this.leaderId !== this.options.id) return undefined;
    return this.leaderStats.toJSON(this.cluster.list().map((m) => m.id));
  }

  /** The transport delivered a batch with MsgApps to `peer` in `ms` (etcd: `FollowerStats.Succ`). */
  recordPeerDelivery(peer: MemberId, ms: number): void {
    this.leaderStats.succ(peer, ms);
  }

  /** The transport could not deliver a batch to `peer` (etcd: `FollowerStats.Fail`). */
  recordPeerFailure(peer: MemberId): void {
    this.leaderStats.fail(peer);
  }

  // ---- internals ----

  /** etcd's transport counts every MsgApp it sends (`ServerStats.SendAppendReq`). */
  private countAppends(messages: readonly Message[]): void {
    for (const m of messages) {
      if (m.type === 'MsgApp') this.serverStats.sendAppendReq(appendSize(m.entries), this.options.clock.now());
    }
  }

  /**
   * What a Ready asks to be made durable, less a commit index on its own. The commit index is
   * volatile state (Raft paper, Figure 2): losing it loses nothing, a restarted member learns it
   * again. Writing it alone would cost a durable write per round, and on Durable Objects the
   * output gate would hold every answer of that turn (acknowledgements, client responses) until
   * it is on disk. So it is written with the next entries, term or vote instead.
   */
  private persisted(rd: Ready): Parameters<LogStore['save']>[0] | undefined {
    const snapshot = rd.snapshot !== undefined && rd.snapshot.metadata.index > 0 ? rd.snapshot : undefined;
    const hs = rd.hardState;
    const votingChanged = hs !== undefined && (hs.term !== this.persistedHardState.term || hs.vote !== this.persistedHardState.vote);
    if (rd.entries.length === 0 && snapshot === undefined && !votingChanged) return undefined;
    const update: Parameters<LogStore['save']>[0] = { entries: rd.entries };
    if (snapshot !== undefined) update.snapshot = snapshot;
    const latest = hs ?? this.unpersistedHardState;
    if (latest !== undefined) {
      update.hardState = latest;
      this.persistedHardState = latest;
    }
    this.unpersistedHardState = undefined;
    return update;
  }

  private respond(parts: { event?: Event; watcher?: Watcher }): ServerResponse {
    return { ...parts, index: this.commitIndex, term: this.term };
  }

  private nextRequestId(): string {
    return `${this.options.id}.${this.requestEpoch}.${++this.requestSeq}`;
  }

  private propose(request: V2Request): Promise<ApplyResult> {
    if (request.id === '') request.id = this.nextRequestId();
    const data = encodeRequest(request);
    if (data.length > MAX_REQUEST_BYTES) return Promise.reject(new ServerError(ServerError.RequestTooLarge));
    const done = this.wait.register(request.id, this.ticks + this.requestTimeoutTicks);
    this.submit(request.id, data);
    return done;
  }

  private submit(id: string, data: string): void {
    try {
      this.node.propose(data);
      this.options.wake?.();
      if (this.isLeader) this.proposedAsLeader.add(id);
    } catch (error) {
      if (!(error instanceof ProposalDroppedError)) throw error;
      this.queued.push({ id, data });
    }
  }

  private onSoftState(soft: SoftState): void {
    const wasLeader = this.isLeader;
    this.leaderId = soft.lead;
    this.isLeader = soft.raftState === 'StateLeader';
    if (this.isLeader && !wasLeader) this.serverStats.becomeLeader(this.options.clock.now());
    if (wasLeader && !this.isLeader) {
      // Whether these commit is now up to the new leader; fail them so the front door retries
      // there (with the same request IDs, so a write that did commit is not applied twice).
      for (const id of this.proposedAsLeader) this.wait.fail(id, new ServerError(ServerError.LeaderChanged));
      this.proposedAsLeader.clear();
    }
    if (this.leaderId !== '' && this.queued.length > 0) {
      const queued = this.queued;
      this.queued = [];
      for (const q of queued) this.submit(q.id, q.data);
    }
  }

  private applyEntry(entry: Entry): void {
    if (entry.index <= this.appliedIndex) return;
    if (entry.type === 'confChange') this.applyConfChange(entry);
    else if (entry.data === '') this.onFirstCommitInTerm();
    else this.applyRequest(decodeRequest(entry.data));
    this.appliedIndex = entry.index;
  }

  private applyRequest(request: V2Request): void {
    const earlier = this.applied.get(request.id);
    const outcome = earlier ?? applyV2Request(this.store, this.cluster, request);
    if (earlier === undefined && request.id !== '') this.applied.record(request.id, outcome);
    this.proposedAsLeader.delete(request.id);
    this.wait.trigger(request.id, outcome);
  }

  /** etcd's `applyConfChange`: validate against the membership, then change Raft and the store. */
  private applyConfChange(entry: Entry): void {
    const change = JSON.parse(entry.data) as ConfChange;
    const context = JSON.parse(change.context ?? '{}') as { requestId?: string; member?: MemberContext };
    let outcome: ApplyResult = {};
    readMembershipAsEtcdDoes(this.store);
    try {
      if (change.type === 'removeNode') this.cluster.validateRemove(change.nodeId);
      else if (context.member !== undefined) this.cluster.validateAdd(context.member);
      this.confState = this.node.applyConfChange(change);
      if (change.type === 'removeNode') this.cluster.removeMember(change.nodeId);
      else if (context.member !== undefined) this.cluster.addMember(context.member);
    } catch (error) {
      // Refused by the membership: Raft still sees the entry applied, as a no-op (etcd sets the
      // node ID to None).
      this.confState = this.node.applyConfChange({ ...change, nodeId: '' });
      outcome = { error: error as Error };
    }
    if (context.requestId !== undefined) this.wait.trigger(context.requestId, outcome);
    // A member that applied its own removal stops (etcd: "the member has been permanently removed").
    if (change.type === 'removeNode' && outcome.error === undefined && change.nodeId === this.options.id) this.onRemoved();
  }

  /** A leader's first commit in its term: record the cluster version if no one has yet. */
  private onFirstCommitInTerm(): void {
    if (this.isLeader && this.cluster.version === undefined) {
      const request = newRequest({ method: 'PUT', path: '/0/version', val: CLUSTER_VERSION });
      this.propose(request).catch(() => undefined);
    }
  }

  /** etcd's `publish`: make this member's name and client URLs known, through the log. */
  private publish(): void {
    this.publishing = true;
    const attributes = { name: this.options.name, clientURLs: this.options.clientURLs };
    const request = newRequest({ method: 'PUT', path: memberAttributesPath(this.options.id), val: JSON.stringify(attributes) });
    this.propose(request).then(
      () => {
        this.published = true;
        this.options.logger?.info('published local member to cluster through raft', { id: this.options.id, ...attributes });
      },
      () => undefined,
    ).finally(() => (this.publishing = false));
  }

  private proposeSync(): void {
    const request = newRequest({ method: 'SYNC', path: '', time: this.options.clock.now() });
    request.id = this.nextRequestId();
    try {
      this.node.propose(encodeRequest(request));
    } catch (error) {
      if (!(error instanceof ProposalDroppedError)) throw error;
    }
  }

  private onRemoved(): void {
    this.removed = true;
    this.options.logger?.warn(ServerError.Removed, { id: this.options.id });
    this.wait.failAll(new ServerError(ServerError.Removed));
    this.reads.failAll(new ServerError(ServerError.Removed));
  }

  /** etcd's `triggerSnapshot`: every `snapshotCount` applied entries, snapshot and compact. */
  private maybeSnapshot(): void {
    if (this.appliedIndex - this.snapshotIndex <= this.options.snapshotCount) return;
    const snapshot: Snapshot = {
      metadata: { index: this.appliedIndex, term: this.options.logStore.term(this.appliedIndex), confState: this.confState },
      data: encodeSnapshot(this.store, this.applied),
    };
    const compactTo = Math.max(0, this.appliedIndex - Math.min(CATCH_UP_ENTRIES, this.options.snapshotCount));
    // A restart must not find a snapshot beyond its durable commit index: write the latest first.
    if (this.unpersistedHardState !== undefined) {
      this.options.logStore.save({ entries: [], hardState: this.unpersistedHardState });
      this.persistedHardState = this.unpersistedHardState;
      this.unpersistedHardState = undefined;
    }
    this.options.logStore.saveSnapshot(snapshot, Math.max(compactTo, this.options.logStore.firstIndex() - 1));
    this.snapshotIndex = this.appliedIndex;
  }

  /** Replaces the state machine by a snapshot (at start-up, or one received from the leader). */
  private restore(snapshot: Snapshot): void {
    const { store, applied } = decodeSnapshot(snapshot.data);
    this.store.recover(store);
    this.applied.recover(applied);
    this.cluster.recover();
    this.confState = snapshot.metadata.confState;
    this.appliedIndex = snapshot.metadata.index;
    this.snapshotIndex = snapshot.metadata.index;
  }
}

