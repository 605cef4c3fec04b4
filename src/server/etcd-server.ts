import {
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
import { applyV2Request, type ApplyResult } from './apply-v2.ts';
import { memberAttributesPath, RaftCluster, type Member, type MemberContext } from './cluster.ts';
import { ServerError } from './errors.ts';
import type { MemberId } from './member-id.ts';
import { Membership } from './membership.ts';
import { ServerMetrics } from './metrics.ts';
import type { Clock, LogStore, Logger, PeerTransport } from './ports.ts';
import { Proposals } from './proposals.ts';
import { ReadIndexBatcher } from './read-index.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot-payload.ts';
import { appendSize, LeaderStats, ServerStats, type LeaderStatsJSON, type SelfStatsJSON } from './stats.ts';
import { decodeRequest, encodeRequest, newRequest, type V2Request } from './request.ts';

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
  /**
   * Called once this member's publish (its name and client URLs, through the log) has been
   * applied here: etcd's `ReadyNotify`, after which a member serves clients.
   */
  onReady?: () => void;
}

export interface ServerResponse {
  event?: Event;
  watcher?: Watcher;
  /** `X-Raft-Index`: the commit index. */
  index: number;
  /** `X-Raft-Term`. */
  term: number;
}

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
 * `tick()` on a timer, hands it peers' messages with `step()` and clients' requests with
 * `serveV2()`, and runs the ready loop after each of those: `readyTurn()` (persist, send, apply,
 * resolve, advance) until it returns false.
 */
export class EtcdServer {
  readonly store: Store;
  readonly cluster: RaftCluster;
  private readonly node: RawNode;
  private readonly proposals: Proposals;
  private readonly membership: Membership;
  private readonly applied = new AppliedRequests();
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
  private persistedHardState: HardState;
  private unpersistedHardState: HardState | undefined;
  private appliedIndex = 0;
  private snapshotIndex = 0;
  private confState: ConfState = { voters: [], learners: [] };
  private term = 0;
  private commitIndex = 0;
  private leaderId: MemberId = '';
  private isLeader = false;
  private removed = false;
  private ready = false;
  /** etcd's NOSPACE alarm: raised by a write refused for space, cleared by the next write taken. */
  private noSpace = false;

  constructor(private readonly options: ServerOptions) {
    // `/0` holds the membership, `/1` the users' keys (etcd's StoreClusterPrefix, StoreKeysPrefix).
    this.store = new Store({ clock: options.clock, namespaces: ['/0', '/1'] });
    this.cluster = new RaftCluster(this.store);
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
      quotaBytes: () => options.quotaBytes ?? 0,
      clusterVersion: () => this.cluster.version,
      storeStats: () => this.store.statistics(),
      storeBytes: () => this.store.approximateBytes(),
    });

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
      isRemoved: () => this.removed,
      requestDeadline: () => this.ticks + this.requestTimeoutTicks,
      proposeV2: (request) => this.proposeWatchingPublish(request),
      applyToRaft: (change) => this.node.applyConfChange(change),
      onRemoved: () => this.onRemoved(),
      log: (message, fields) => options.logger?.info(message, fields),
    });
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
    this.membership.onTick();
    const timeout = new ServerError(this.leaderId === '' ? ServerError.TimeoutDueToLeaderFail : ServerError.Timeout);
    this.proposals.expire(this.ticks, timeout);
    this.reads.onTick(this.ticks, timeout);
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

  private async serve(request: V2Request): Promise<ServerResponse> {
    if (this.removed) throw new ServerError(ServerError.Removed);
    switch (request.method) {
      case 'GET':
      case 'HEAD':
        if (request.wait) {
          const watcher = this.store.watch(request.path, request.recursive, request.stream, request.since);
          return this.respond({ watcher });
        }
        return this.respond({ event: this.read(request) });
      case 'QGET':
      {
        const ready = this.reads.read(this.ticks + this.requestTimeoutTicks);
        this.reads.kick(this.ticks);
        await ready;
      }
        return this.respond({ event: this.read(request) });
      default: {
        if (this.wouldExceedQuota(request)) {
          this.noSpace = true;
          throw new ServerError(ServerError.NoSpace);
        }
        if (request.method === 'PUT' || request.method === 'POST') this.noSpace = false;
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

  // ---- membership (etcd's AddMember / RemoveMember / UpdateMember) ----

  addMember(peerURLs: string[], nowMs: number): Promise<Member> {
    return this.membership.addMember(peerURLs, nowMs);
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

  /** etcd's `ReadyNotify` has fired: this start's publish was applied here. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Active alarms, by etcd's names (`NOSPACE`); what `/readyz` and `/health` look at. */
  alarms(): string[] {
    return this.noSpace ? ['NOSPACE'] : [];
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
    if (this.isLeader && !wasLeader) this.serverStats.becomeLeader(this.options.clock.now());
    this.proposals.onLeaderChange(wasLeader, this.isLeader, this.leaderId !== '');
  }

  private applyEntry(entry: Entry): void {
    if (entry.index <= this.appliedIndex) return;
    if (entry.type === 'confChange') this.confState = this.membership.applyConfChange(entry);
    else if (entry.data === '') this.onFirstCommitInTerm();
    else this.applyRequest(decodeRequest(entry.data));
    this.appliedIndex = entry.index;
  }

  private applyRequest(request: V2Request): void {
    const earlier = this.applied.get(request.id);
    const outcome = earlier ?? applyV2Request(this.store, this.cluster, request);
    if (earlier === undefined && request.id !== '') this.applied.record(request.id, outcome);
    this.proposals.applied(request.id, outcome);
  }

  /** A leader's first commit in its term: record the cluster version if no one has yet. */
  private onFirstCommitInTerm(): void {
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

