import type { ConfChange, ConfState, Entry } from '../raft/index.ts';
import type { Store } from '../store/index.ts';
import type { ApplyResult } from './apply-v2.ts';
import { memberAttributesPath, memberRaftAttributesPath, MembershipError, type Member, type MemberContext, type RaftCluster } from './cluster.ts';
import { ServerError } from './errors.ts';
import { computeMemberId, type MemberId } from './member-id.ts';
import type { Proposals } from './proposals.ts';
import { newRequest } from './request.ts';
import { readMembershipAsEtcdDoes } from './stats.ts';

/**
 * etcd's `HealthInterval`: a membership change needs every voter connected for this long
 * (`isConnectedFullySince`), so a cluster refuses changes in its first seconds.
 */
const HEALTH_INTERVAL_MS = 5_000;
/** etcd's `readyPercent`: a learner is ready for promotion once its log matches 90% of the leader's. */
const READY_PERCENT = 0.9;

/**
 * The leader's membership as a follower reaches it: etcd forwards a promotion to the leader's
 * peer URLs (`promoteMemberHTTP`, `/members/promote/<id>`), since only the leader's Raft
 * progress says whether the learner caught up. Resolves with the leader's members after the
 * change; rejects with the leader's error message.
 */
export interface LeaderMembership {
  promoteMember(id: MemberId): Promise<Member[]>;
}

/** The leader's refusals a follower passes on at once (etcd's `PromoteMember`); on any other it tries again. */
const FINAL_PROMOTE_ERRORS: ReadonlyMap<string, () => Error> = new Map([
  [ServerError.LearnerNotReady, () => new ServerError(ServerError.LearnerNotReady)],
  [MembershipError.IDNotFound, () => new MembershipError(MembershipError.IDNotFound)],
  [MembershipError.MemberNotLearner, () => new MembershipError(MembershipError.MemberNotLearner)],
]);

/** What the membership needs of the member it belongs to. */
export interface MembershipHost {
  readonly id: MemberId;
  readonly name: string;
  readonly clientURLs: readonly string[];
  readonly store: Store;
  readonly cluster: RaftCluster;
  readonly proposals: Proposals;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly ticks: () => number;
  readonly isLeader: () => boolean;
  /** The leader's ID, `''` when none is known. */
  readonly leader: () => MemberId;
  /** The leader's Raft progress of every member (`raftStatus().Progress`); undefined unless leader. */
  readonly progress: () => Readonly<Record<MemberId, { match: number }>> | undefined;
  /** Reaches the leader's membership from a follower (undefined: no way to the leader now). */
  readonly leaderMembership?: (leader: MemberId) => LeaderMembership | undefined;
  readonly isRemoved: () => boolean;
  readonly requestDeadline: () => number;
  /** Proposes a v2 request through the log (membership writes into `/0` are v2 PUTs). */
  readonly proposeV2: (request: ReturnType<typeof newRequest>) => Promise<ApplyResult>;
  /** Raft's half of a conf change (`RawNode.applyConfChange`). */
  readonly applyToRaft: (change: ConfChange) => ConfState;
  /** This member applied its own removal. */
  readonly onRemoved: () => void;
  readonly log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * One member's view of the cluster's membership as etcd's server changes it (etcdserver/server.go:
 * AddMember, RemoveMember, UpdateMember, `configure`, `applyConfChange`, `publish`), with the
 * checks etcd makes first: strict reconfiguration (started members stay a quorum) and peer
 * connectivity (`isConnectedFullySince`, `mayRemoveMember`), which only the leader can judge.
 */
export class Membership {
  /** When each peer was first and last heard from, in ticks (etcd's transport `ActiveSince`). */
  private readonly peerActivity = new Map<MemberId, { since: number; last: number }>();
  private readonly healthTicks: number;
  private published = false;
  private publishing = false;
  /** Calls waiting for a tick (etcd's `time.After` in its retry loops). */
  private sleepers: { until: number; wake: () => void }[] = [];

  constructor(private readonly host: MembershipHost) {
    this.healthTicks = Math.ceil(HEALTH_INTERVAL_MS / host.tickMs);
  }

  /** A message arrived from `peer`: it counts as connected since the first of an unbroken run. */
  heardFrom(peer: MemberId): void {
    const now = this.host.ticks();
    const activity = this.peerActivity.get(peer);
    if (activity === undefined || now - activity.last > this.host.electionTicks) {
      this.peerActivity.set(peer, { since: now, last: now });
    } else {
      activity.last = now;
    }
  }

  /**
   * Called on every tick: publish this member's attributes until that has been applied once,
   * first on the first tick (etcd starts `publish` with the server; the proposal waits for a
   * leader), then again every election timeout while it has not gone through.
   */
  onTick(): void {
    const ticks = this.host.ticks();
    if (!this.published && !this.publishing && (ticks === 1 || ticks % this.host.electionTicks === 0)) this.publish();
    if (this.sleepers.length > 0) {
      const due = this.sleepers.filter((s) => s.until <= ticks);
      this.sleepers = this.sleepers.filter((s) => s.until > ticks);
      for (const s of due) s.wake();
    }
  }

  /**
   * Adds a member by its peer URLs, as a voter or a learner. Its ID is etcd's for a member added
   * at run time: SHA-1 of the peer URLs and the Unix time of the request (`NewMember("", urls,
   * "", &now)`, `NewMemberAsLearner` alike), so IDs are never reused. etcd's `mayAddMember`
   * first: a voter needs enough started voters (a learner does not), and every voter must have
   * been connected for the health interval. Resolves with the new member once applied.
   */
  async addMember(peerURLs: string[], nowMs: number, isLearner = false): Promise<Member> {
    const { cluster } = this.host;
    if (!isLearner && !cluster.isReadyToAddVotingMember()) throw new ServerError(ServerError.NotEnoughStartedMembers);
    const voters = cluster.votingMembers().filter((m) => m.id !== this.host.id);
    if (this.host.isLeader() && voters.some((m) => !this.connectedSince(m.id, this.host.ticks() - this.healthTicks))) {
      throw new ServerError(ServerError.Unhealthy);
    }
    const id = computeMemberId(peerURLs, '', Math.floor(nowMs / 1000));
    const member: MemberContext = isLearner ? { id, name: '', peerURLs, clientURLs: [], isLearner } : { id, name: '', peerURLs, clientURLs: [] };
    await this.configure({ type: isLearner ? 'addLearnerNode' : 'addNode', nodeId: id }, { member });
    return { id, name: '', peerURLs: [...peerURLs], clientURLs: [], isLearner };
  }

  /**
   * Removes a member. Removing the leader itself is fine: when it applies the change, Raft hands
   * leadership to the most up-to-date voter (TimeoutNow) and steps down.
   */
  async removeMember(id: MemberId): Promise<void> {
    const { cluster } = this.host;
    // etcd's `mayRemoveMember`: a learner may always go (it is no part of any quorum).
    if (cluster.member(id)?.isLearner !== true) {
      if (!cluster.isReadyToRemoveVotingMember(id)) throw new ServerError(ServerError.NotEnoughStartedMembers);
      // A member that is down may always go; otherwise the voters left connected must stay a
      // quorum. Only the leader hears from every peer, so only it can tell.
      const now = this.host.ticks();
      const reachable = cluster.member(id) !== undefined && (id === this.host.id || this.connectedSince(id, now));
      if (this.host.isLeader() && reachable) {
        const voters = cluster.votingMembers().map((m) => m.id);
        const active = voters.filter((v) => v === this.host.id || this.connectedSince(v, now - this.healthTicks)).length;
        if (active - 1 < 1 + Math.floor((voters.length - 1) / 2)) throw new ServerError(ServerError.Unhealthy);
      }
    }
    await this.configure({ type: 'removeNode', nodeId: id });
  }

  /**
   * Promotes a learner to a voter (etcd's `PromoteMember`). Only the leader knows whether the
   * learner caught up, so a follower forwards the request to it, again and again until the
   * request timeout, passing on at once only the refusals that settle it. Resolves with the
   * members after the change (the leader's list when forwarded, as etcd's peer handler sends it).
   */
  async promoteMember(id: MemberId): Promise<Member[]> {
    try {
      await this.promoteHere(id);
      return this.host.cluster.list();
    } catch (error) {
      if (!(error instanceof ServerError && error.message === ServerError.NotLeader)) throw error;
    }
    const deadline = this.host.requestDeadline();
    while (this.host.ticks() < deadline) {
      // A removed member ticks no more: its waits would never end (etcd's server has stopped).
      if (this.host.isRemoved()) throw new ServerError(ServerError.Removed);
      const leader = await this.waitLeader(deadline);
      const peer = this.host.leaderMembership?.(leader);
      if (peer !== undefined) {
        try {
          return await peer.promoteMember(id);
        } catch (error) {
          const final = FINAL_PROMOTE_ERRORS.get(error instanceof Error ? error.message : '');
          if (final !== undefined) throw final();
        }
      }
      // etcd tries again at once; a tick apart here, so a failing leader is not called in a spin.
      await this.sleep(1);
    }
    throw new ServerError(ServerError.Timeout);
  }

  /** Changes a member's peer URLs (validated when applied: unknown ID, URL already in use). */
  async updateMember(id: MemberId, peerURLs: string[]): Promise<void> {
    const request = newRequest({ method: 'PUT', path: memberRaftAttributesPath(id), val: JSON.stringify({ peerURLs }) });
    const outcome = await this.host.proposeV2(request);
    if (outcome.error !== undefined) throw outcome.error;
  }

  /**
   * etcd's `applyConfChange`: validate against the membership (`ValidateConfigurationChange`),
   * then change Raft and the store. A promotion is an AddNode of an existing learner whose
   * context says `isPromote`.
   */
  applyConfChange(entry: Entry): ConfState {
    const { cluster } = this.host;
    const change = JSON.parse(entry.data) as ConfChange;
    const context = JSON.parse(change.context ?? '{}') as ConfChangeContext;
    let outcome: ApplyResult = {};
    let confState: ConfState;
    readMembershipAsEtcdDoes(this.host.store);
    try {
      if (change.type === 'removeNode') cluster.validateRemove(change.nodeId);
      else if (context.isPromote === true) cluster.validatePromote(change.nodeId);
      else if (context.member !== undefined) cluster.validateAdd(context.member);
      confState = this.host.applyToRaft(change);
      if (change.type === 'removeNode') cluster.removeMember(change.nodeId);
      else if (context.isPromote === true) cluster.promoteMember(change.nodeId);
      else if (context.member !== undefined) cluster.addMember(context.member);
    } catch (error) {
      // Refused by the membership: Raft still sees the entry applied, as a no-op (etcd sets the
      // node ID to None).
      confState = this.host.applyToRaft({ ...change, nodeId: '' });
      outcome = { error: error as Error };
    }
    if (context.requestId !== undefined) this.host.proposals.applied(context.requestId, outcome);
    // A member that applied its own removal stops (etcd: "the member has been permanently removed").
    if (change.type === 'removeNode' && outcome.error === undefined && change.nodeId === this.host.id) this.host.onRemoved();
    return confState;
  }

  /** Whether a peer has been heard from continuously since `sinceTick` (and recently). */
  private connectedSince(id: MemberId, sinceTick: number): boolean {
    const activity = this.peerActivity.get(id);
    return activity !== undefined && activity.since <= sinceTick && this.host.ticks() - activity.last <= this.host.electionTicks;
  }

  /**
   * etcd's `promoteMember` on this member: `mayPromoteMember` (the learner caught up, then the
   * strict reconfiguration check), then an AddNode marked as a promotion.
   */
  private async promoteHere(id: MemberId): Promise<void> {
    this.checkLearnerReady(id);
    if (!this.host.cluster.isReadyToPromoteMember()) throw new ServerError(ServerError.NotEnoughStartedMembers);
    await this.configure({ type: 'addNode', nodeId: id }, { member: { id, name: '', peerURLs: [], clientURLs: [] }, isPromote: true });
  }

  /**
   * etcd's `isLearnerReady`: only a leader has progress to judge by ("not leader" otherwise); a
   * member it tracks must match at least 90% of the leader's log. An ID Raft does not track
   * passes here and is refused when the change is applied (not found, not a learner).
   */
  private checkLearnerReady(id: MemberId): void {
    const progress = this.host.progress();
    if (progress === undefined) throw new ServerError(ServerError.NotLeader);
    const learner = progress[id];
    const leader = progress[this.host.id];
    if (learner !== undefined && learner.match < (leader?.match ?? 0) * READY_PERCENT) throw new ServerError(ServerError.LearnerNotReady);
  }

  /** etcd's `waitLeader`: the leader, once one is known (checked every election timeout). */
  private async waitLeader(deadline: number): Promise<MemberId> {
    for (;;) {
      const leader = this.host.leader();
      if (leader !== '' && this.host.cluster.member(leader) !== undefined) return leader;
      if (this.host.ticks() >= deadline) throw new ServerError(ServerError.NoLeader);
      await this.sleep(this.host.electionTicks);
    }
  }

  private sleep(ticks: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ until: this.host.ticks() + ticks, wake }));
  }

  /** etcd's `configure`: propose a conf change and wait until it is applied. */
  private async configure(change: ConfChange, context: Omit<ConfChangeContext, 'requestId'> = {}): Promise<void> {
    if (this.host.isRemoved()) throw new ServerError(ServerError.Removed);
    const { proposals } = this.host;
    const id = proposals.nextId();
    const encoded = JSON.stringify({ requestId: id, ...context } satisfies ConfChangeContext);
    const outcome = await proposals.proposeConfChange(id, { ...change, context: encoded }, this.host.requestDeadline());
    if (outcome.error !== undefined) throw outcome.error;
  }

  /** etcd's `publish`: make this member's name and client URLs known, through the log. */
  private publish(): void {
    this.publishing = true;
    const attributes = { name: this.host.name, clientURLs: this.host.clientURLs };
    const request = newRequest({ method: 'PUT', path: memberAttributesPath(this.host.id), val: JSON.stringify(attributes) });
    this.host
      .proposeV2(request)
      .then(
        () => {
          this.published = true;
          this.host.log('published local member to cluster through raft', { id: this.host.id, ...attributes });
        },
        () => undefined,
      )
      .finally(() => (this.publishing = false));
  }
}

/**
 * A conf change's context: the waiting request, and etcd's `ConfigChangeContext` (the member
 * added, or `isPromote` for a learner's promotion, which shares the AddNode type with an add).
 */
interface ConfChangeContext {
  requestId?: string;
  member?: MemberContext;
  isPromote?: boolean;
}
