import {
  RawNode,
  type ConfChange,
  type ConfState,
  type Entry,
  type Message,
  type Snapshot,
  type SoftState,
} from '../raft/index.ts';
import type { KeyRow } from '../mvcc/index.ts';
import { nodeFootprint, type Event, type Store, type Watcher } from '../store/index.ts';
import type { ApplyResult } from './apply-v2.ts';
import { memberAttributesPath, type Member, type MemberContext, type RaftCluster } from './cluster.ts';
import { ServerError } from './errors.ts';
import type { MemberId } from './member-id.ts';
import { LeaderTransfer } from './leader-transfer.ts';
import { Membership } from './membership.ts';
import { ServerMetrics } from './metrics.ts';
import type { LogStore } from './ports.ts';
import { Proposals } from './proposals.ts';
import { RaftPersistence } from './raft-persistence.ts';
import { ReadIndexBatcher } from './read-index.ts';
import { appendSize, LeaderStats, ServerStats, type LeaderStatsJSON, type SelfStatsJSON } from './stats.ts';
import { encodeRequest, newRequest, type V2Request } from './request.ts';
import { StateMachines } from './state-machines.ts';
import type { V3Api } from './v3/api.ts';
import type { V3Result } from './v3/apply-v3.ts';
import { Rpc } from './v3/errors.ts';
import { internalRequestSize } from './v3/request-size.ts';
import { SYSTEM, type RequestAuth } from './v3/auth-request.ts';
import { encodeV3Request, type V3Operation } from './v3/v3-request.ts';
import type { V3State } from './v3/v3-state.ts';
import {
  CLUSTER_VERSION,
  MAX_APPLY_LAG,
  MAX_INFLIGHT_MSGS,
  MAX_REQUEST_BYTES,
  MAX_SIZE_PER_MSG,
  REQUEST_TIMEOUT_BASE_MS,
  SYNC_INTERVAL_MS,
  type ServerOptions,
  type ServerResponse,
} from './server-options.ts';

/**
 * One etcd member's brain: a Raft node, the v2 store it applies the log to, the cluster
 * membership, and the requests waiting on both. It does no I/O of its own: the host calls
 * `tick()` on a timer, hands it peers' messages with `step()` and clients' requests with
 * `serveV2()`, and runs the ready loop after each of those: `readyTurn()` (persist, send, apply,
 * resolve, advance) until it returns false.
 */
export class EtcdServer {
  private readonly machines: StateMachines;
  private readonly node: RawNode;
  private readonly proposals: Proposals;
  private readonly membership: Membership;
  private readonly leaderTransfer: LeaderTransfer;
  private readonly reads: ReadIndexBatcher;
  private readonly requestTimeoutTicks: number;
  private readonly syncTicks: number;
  /** `/v2/stats/self` and `/v2/stats/leader` (etcd's `ServerStats` and `LeaderStats`). */
  private readonly serverStats: ServerStats;
  private readonly leaderStats: LeaderStats;
  /** `/metrics`: etcd's server, v2 HTTP and v2 store families (the member adds its own). */
  readonly metrics: ServerMetrics;

  private ticks = 0;
  private inTurn = false;
  /** The hard state last written, and a newer one that only moved the commit index (see `persisted`). */
  private readonly persistence: RaftPersistence;
  private appliedIndex = 0;
  private confState: ConfState = { voters: [], learners: [] };
  private term = 0;
  private commitIndex = 0;
  private leaderId: MemberId = '';
  private isLeader = false;
  private removed = false;
  private ready = false;
  /** The v2 store's NOSPACE: raised by a write refused for space, cleared by the next write taken. */
  private v2NoSpace = false;

  constructor(private readonly options: ServerOptions) {
    this.machines = new StateMachines(options.clock, options.v3, {
      memberId: options.id,
      tickMs: options.tickMs,
      electionTicks: options.electionTicks,
      startMs: options.clock.now(),
      ...(options.progressNotifyMs === undefined ? {} : { progressNotifyMs: options.progressNotifyMs }),
      ...(options.authPorts === undefined ? {} : { authPorts: options.authPorts }),
    }, {
      memberId: options.id,
      quotaBytes: options.v3QuotaBytes ?? 0,
      quotaKeys: options.v3QuotaKeys ?? 0,
      maxRequestBytes: MAX_REQUEST_BYTES,
      header: (revision) => ({ clusterId: options.clusterId, memberId: options.id, revision: revision ?? this.v3State.kv.rev(), raftTerm: this.term }),
      propose: (op, context, auth) => this.proposeV3(op, context?.requestId, auth),
      linearizableRead: () => this.readIndex(),
      raftStatus: () => this.raftStatus,
      nowMs: () => options.clock.now(),
      leaderLeases: () => (this.leaderId === '' ? undefined : options.leaderLeases?.(this.leaderId)),
      members: () => this.cluster.list(),
      addMember: (peerURLs, nowMs, isLearner) => this.membership.addMember(peerURLs, nowMs, isLearner),
      removeMember: (id) => this.membership.removeMember(id),
      updateMember: (id, peerURLs) => this.membership.updateMember(id, peerURLs),
      promoteMember: (id) => this.membership.promoteMember(id),
      moveLeader: (transferee, signal) => this.leaderTransfer.moveLeader(transferee, signal),
      isLearner: () => this.cluster.member(options.id)?.isLearner === true,
      membershipState: () => ({ members: this.cluster.list(), removed: this.cluster.removedIds(), clusterVersion: this.cluster.version }),
    });
    this.requestTimeoutTicks = Math.ceil((REQUEST_TIMEOUT_BASE_MS + 2 * options.electionTicks * options.tickMs) / options.tickMs);
    this.syncTicks = Math.max(1, Math.round(SYNC_INTERVAL_MS / options.tickMs));
    this.serverStats = new ServerStats(options.name, options.id, options.clock.now());
    this.leaderStats = new LeaderStats(options.id);
    this.metrics = new ServerMetrics({
      id: options.id,
      leader: () => this.leaderId,
      isLeader: () => this.isLeader,
      term: () => this.term,
      commit: () => this.commitIndex,
      applied: () => this.appliedIndex,
      quotaBytes: () => options.v3QuotaBytes ?? 0,
      clusterVersion: () => this.cluster.version,
      storeStats: () => this.store.statistics(),
      storeBytes: () => this.store.approximateBytes(),
      v3Store: () => this.v3State.kv,
    });

    this.persistence = new RaftPersistence(options.logStore, options.snapshotCount);
    const snapshot = options.logStore.snapshot();
    if (snapshot.metadata.index > 0) this.restore(snapshot, false);
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
    const requestEpoch = Math.floor(options.clock.now()).toString(36);
    const wake = (): void => options.wake?.();
    this.proposals = new Proposals(this.node, `${options.id}.${requestEpoch}`, () => this.isLeader, wake);
    this.membership = new Membership({
      id: options.id,
      name: options.name,
      clientURLs: options.clientURLs,
      store: this.store,
      cluster: this.cluster,
      proposals: this.proposals,
      tickMs: options.tickMs,
      electionTicks: options.electionTicks,
      ticks: () => this.ticks,
      isLeader: () => this.isLeader,
      leader: () => this.leaderId,
      progress: () => this.node.status().progress,
      ...(options.leaderMembership === undefined ? {} : { leaderMembership: options.leaderMembership }),
      isRemoved: () => this.removed,
      requestDeadline: () => this.ticks + this.requestTimeoutTicks,
      proposeV2: (request) => this.proposeWatchingPublish(request),
      applyToRaft: (change) => this.node.applyConfChange(change),
      onRemoved: () => this.onRemoved(),
      log: (message, fields) => options.logger?.info(message, fields),
    });
    this.leaderTransfer = new LeaderTransfer({
      id: options.id,
      cluster: this.cluster,
      leader: () => this.leaderId,
      transferLeader: (transferee) => {
        this.node.transferLeader(transferee);
        this.options.wake?.();
      },
      log: (message, fields) => options.logger?.info(message, fields),
    });
    this.reads = new ReadIndexBatcher((ctx) => {
      this.node.readIndex(ctx);
      this.options.wake?.();
    }, options.electionTicks);
    const { hardState } = options.logStore.initialState();
    this.term = hardState.term;
    this.commitIndex = hardState.commit;
  }

  /** The v2 store (membership under `/0`, users' keys under `/1`). */
  get store(): Store {
    return this.machines.store;
  }

  get cluster(): RaftCluster {
    return this.machines.cluster;
  }

  /** The member's v3 API (etcd's v3 server), served from the same log as the v2 API. */
  get v3(): V3Api {
    return this.v3State.api;
  }

  private get v3State(): V3State {
    return this.machines.v3;
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
    this.membership.onTick();
    const timeout = new ServerError(this.leaderId === '' ? ServerError.TimeoutDueToLeaderFail : ServerError.Timeout);
    this.proposals.expire(this.ticks, timeout);
    this.reads.onTick(this.ticks, timeout);
    this.v3State.onTick(this.ticks, this.isLeader, this.options.clock.now(), (id) =>
      // A member's own revoke runs with root's rights (etcd's `WithRoot`): it must delete every key.
      this.proposals.proposeUnwaited(encodeV3Request({ id: this.proposals.nextId(), op: { leaseRevoke: { id } }, auth: SYSTEM })),
    );
  }

  step(message: Message): void {
    if (this.removed) return;
    this.membership.heardFrom(message.from);
    // etcd counts a MsgApp when its server hands it to Raft (`EtcdServer.Process`).
    if (message.type === 'MsgApp') this.serverStats.recvAppendReq(message.from, appendSize(message.entries), this.options.clock.now());
    this.node.step(message);
  }

  /** Serves one v2 request: local reads, ReadIndex quorum reads, or a write through the log. */
  serveV2(request: V2Request): Promise<ServerResponse> {
    return this.metrics.countRequest(request, this.options.clock, () => this.serve(request));
  }

  /**
   * The same for a request the member makes itself (etcd's `EtcdServer.Do`, which v2 auth's store
   * requests call): the store counts it, but it is no client's HTTP request, so
   * `etcd_http_received_total` does not (etcd counts those in v2http's keys handler).
   */
  doV2(request: V2Request): Promise<ServerResponse> {
    return this.serve(request);
  }

  private async serve(request: V2Request): Promise<ServerResponse> {
    if (this.removed) throw new ServerError(ServerError.Removed);
    switch (request.method) {
      case 'GET':
      case 'HEAD':
        if (request.wait) {
          const cap = this.options.maxV2Watchers ?? 0;
          if (cap > 0 && this.store.statistics().watchers >= cap) throw new ServerError(ServerError.TooManyWatchers);
          const watcher = this.store.watch(request.path, request.recursive, request.stream, request.since);
          return this.respond({ watcher });
        }
        return this.respond({ event: this.read(request) });
      case 'QGET':
        await this.readIndex();
        return this.respond({ event: this.read(request) });
      default: {
        if (this.wouldExceedQuota(request)) {
          this.v2NoSpace = true;
          throw new ServerError(ServerError.NoSpace);
        }
        if (request.method === 'PUT' || request.method === 'POST') this.v2NoSpace = false;
        const outcome = await this.metrics.countProposal(() => this.propose(request));
        if (outcome.error !== undefined) throw outcome.error;
        return this.respond(outcome.event === undefined ? {} : { event: outcome.event });
      }
    }
  }

  /**
   * The read behind `/livez` and `/readyz` (etcd's `readCheck`, a one-key Range): local, or
   * linearizable through ReadIndex. Not a client's request, so not counted as one.
   */
  async healthRead(linearizable: boolean): Promise<void> {
    await this.serve(newRequest({ method: linearizable ? 'QGET' : 'GET', path: '/', quorum: linearizable }));
  }

  private read(request: V2Request): Event {
    return this.metrics.countRead(request.recursive, () => this.store.get(request.path, request.recursive, request.sorted));
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

  // ---- membership (etcd's AddMember / RemoveMember / UpdateMember / PromoteMember) ----

  addMember(peerURLs: string[], nowMs: number, isLearner = false): Promise<Member> {
    return this.membership.addMember(peerURLs, nowMs, isLearner);
  }

  /** Promotes a learner (forwarded to the leader from a follower); resolves with the members after it. */
  promoteMember(id: MemberId): Promise<Member[]> {
    return this.membership.promoteMember(id);
  }

  removeMember(id: MemberId): Promise<void> {
    return this.membership.removeMember(id);
  }

  updateMember(id: MemberId, peerURLs: string[]): Promise<void> {
    return this.membership.updateMember(id, peerURLs);
  }

  /**
   * One turn of the ready loop: persist (one transaction), send, apply, resolve, advance. Returns
   * false when Raft had nothing ready. The host awaits durability between turns, so everything
   * proposed meanwhile rides the next turn's transaction (group commit).
   */
  readyTurn(): boolean {
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
    if (rd.softState !== undefined) this.onSoftState(rd.softState, rd.hardState?.term ?? this.term);
    if (rd.hardState !== undefined) {
      this.term = rd.hardState.term;
      this.commitIndex = rd.hardState.commit;
    }
    // A leader's replication goes out before its own write (thesis §10.2.1): the followers
    // persist in parallel with it. Safe because the leader counts itself towards a commit only
    // in a later turn, after this write; on Durable Objects a message sent after the write
    // would also wait for it to be durable (the output gate).
    this.countAppends(rd.messages);
    for (const m of rd.messages) if (m.type === 'MsgSnap') m.snapshot = this.mergedSnapshot();
    this.options.transport.send(rd.messages);
    this.persistence.save(rd);
    if (rd.snapshot !== undefined && rd.snapshot.metadata.index > 0) this.restore(rd.snapshot, true);
    this.countAppends(rd.messagesAfterPersist);
    this.options.transport.send(rd.messagesAfterPersist);
    for (const entry of rd.committedEntries) this.applyEntry(entry);
    this.machines.endTurn(this.appliedIndex);
    for (const rs of rd.readStates) this.reads.onReadState(rs.requestCtx, rs.index);
    this.node.advance(rd);
    this.reads.release(this.appliedIndex, this.ticks);
    this.reads.kick(this.ticks);
    this.persistence.maybeSnapshot(this.appliedIndex, this.confState, () => this.machines.snapshotData());
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

  /** etcd's `ReadyNotify` has fired: this start's publish was applied here. */
  get isReady(): boolean {
    return this.ready;
  }

  /**
   * Active alarms, by etcd's names (`NOSPACE`): what `/readyz` and `/health` look at. The v3
   * store's are replicated (etcd's alarm store); the v2 store's quota raises one on this member.
   */
  alarms(): string[] {
    const v3 = this.v3State.alarms.get('NONE').map((a) => a.alarm);
    const all = new Set(this.v2NoSpace ? ['NOSPACE', ...v3] : v3);
    return [...all];
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

  private respond(parts: { event?: Event; watcher?: Watcher }): ServerResponse {
    return { ...parts, index: this.commitIndex, term: this.term };
  }

  /** A linearizable read's wait: a ReadIndex round, then this member's apply catching up. */
  private readIndex(): Promise<void> {
    const ready = this.reads.read(this.ticks + this.requestTimeoutTicks);
    this.reads.kick(this.ticks);
    return ready;
  }

  /**
   * Proposes a v3 write (etcd's `processInternalRaftRequestOnce`): refused when this member's
   * apply lags its commit too far, or when it is too large; resolves with the applied outcome.
   */
  private async proposeV3(op: V3Operation, requestId: string | undefined, auth: RequestAuth | undefined): Promise<V3Result> {
    if (this.commitIndex > this.appliedIndex + MAX_APPLY_LAG) throw Rpc.TooManyRequests;
    const id = requestId === undefined || requestId === '' ? this.proposals.nextId() : requestId;
    if (internalRequestSize(op, auth, this.options.id) > MAX_REQUEST_BYTES) throw Rpc.RequestTooLarge;
    const data = encodeV3Request({ id, op, ...(auth === undefined ? {} : { auth }) });
    const outcome = await this.proposals.propose(id, data, this.ticks + this.requestTimeoutTicks);
    if (outcome.error !== undefined) throw outcome.error;
    return outcome.v3 ?? {};
  }

  private propose(request: V2Request): Promise<ApplyResult> {
    if (request.id === '') request.id = this.proposals.nextId();
    const data = encodeRequest(request);
    if (data.length > MAX_REQUEST_BYTES) return Promise.reject(new ServerError(ServerError.RequestTooLarge));
    return this.proposals.propose(request.id, data, this.ticks + this.requestTimeoutTicks);
  }

  private onSoftState(soft: SoftState, term: number): void {
    const wasLeader = this.isLeader;
    // etcd counts a leader change whenever a new, known leader appears (raft.go: `newLeader`).
    if (soft.lead !== this.leaderId) {
      if (soft.lead !== '') this.metrics.leaderChanges.inc();
      // etcd's raft.node logs: "elected leader X at term T" / "lost leader X at term T".
      const change = soft.lead === '' ? `lost leader ${this.leaderId}` : `elected leader ${soft.lead}`;
      this.options.logger?.info(`raft.node: ${this.options.id} ${change} at term ${term}`);
    }
    this.leaderId = soft.lead;
    this.isLeader = soft.raftState === 'StateLeader';
    this.leaderTransfer.onLeaderChange(soft.lead);
    if (this.isLeader && !wasLeader) this.serverStats.becomeLeader(this.options.clock.now());
    if (wasLeader && !this.isLeader) this.v3State.demote();
    this.proposals.onLeaderChange(wasLeader, this.isLeader, this.leaderId !== '');
  }

  private applyEntry(entry: Entry): void {
    if (entry.index <= this.appliedIndex) return;
    if (entry.type === 'confChange') this.confState = this.membership.applyConfChange(entry);
    else if (entry.data === '') this.onFirstCommitInTerm();
    else {
      const applied = this.machines.apply(entry);
      if (applied !== undefined) this.proposals.applied(applied.id, applied.outcome);
    }
    this.appliedIndex = entry.index;
  }

  /**
   * A leader's first commit in its term: its lessor takes over lease expiry (etcd promotes it
   * here), and it records the cluster version if no one has yet.
   */
  private onFirstCommitInTerm(): void {
    if (this.isLeader) this.v3State.promote(this.options.clock.now());
    if (this.isLeader && this.cluster.version === undefined) {
      const request = newRequest({ method: 'PUT', path: '/0/version', val: CLUSTER_VERSION });
      this.propose(request).catch(() => undefined);
    }
  }

  /**
   * The membership's proposals; the one publishing this member's attributes is watched: once it
   * is applied, the member is ready (etcd's `publish` closes `readych` after its `Do` returns).
   */
  private proposeWatchingPublish(request: V2Request): Promise<ApplyResult> {
    const outcome = this.propose(request);
    if (request.method === 'PUT' && request.path === memberAttributesPath(this.options.id)) {
      outcome.then((result) => {
        if (result.error === undefined && !this.ready) {
          this.ready = true;
          this.options.onReady?.();
        }
      }, () => undefined);
    }
    return outcome;
  }

  private proposeSync(): void {
    const request = newRequest({ method: 'SYNC', path: '', time: this.options.clock.now() });
    request.id = this.proposals.nextId();
    this.proposals.proposeUnwaited(encodeRequest(request));
  }

  private onRemoved(): void {
    this.removed = true;
    this.options.logger?.warn(ServerError.Removed, { id: this.options.id });
    this.proposals.failAll(new ServerError(ServerError.Removed));
    this.reads.failAll(new ServerError(ServerError.Removed));
  }

  /**
   * What a follower that fell behind the log is sent (etcd's `createMergedSnapshotMessage`): not
   * the snapshot stored at the last compaction, but one of the state as applied now, so that the
   * v3 rows the follower then pulls (everything up to the current revision) are all still here.
   */
  private mergedSnapshot(): Snapshot {
    return this.persistence.snapshotAt(this.appliedIndex, this.confState, () => this.machines.snapshotData());
  }

  /**
   * For a snapshot message from a peer: the v3 revision whose rows the host must stage (from
   * `message.from`, with `snapshotRows` there) before stepping it, or undefined if it has none.
   */
  snapshotToFetch(message: Message): number | undefined {
    return this.machines.snapshotToFetch(message);
  }

  /** A page of this member's v3 rows for a peer installing a snapshot (see `V3State.snapshotRows`). */
  snapshotRows(revision: number, after: { main: number; sub: number } | undefined, limit: number): KeyRow[] {
    return this.v3State.snapshotRows(revision, after, limit, this.options.clock.now());
  }

  /** Replaces the state machines by a snapshot (`StateMachines.restore`). */
  private restore(snapshot: Snapshot, received: boolean): void {
    this.machines.restore(snapshot, received);
    this.confState = snapshot.metadata.confState;
    this.appliedIndex = snapshot.metadata.index;
    this.persistence.restored(snapshot.metadata.index);
  }
}

