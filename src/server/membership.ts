import type { ConfChange, ConfState, Entry } from '../raft/index.ts';
import type { Store } from '../store/index.ts';
import type { ApplyResult } from './apply-v2.ts';
import { memberAttributesPath, memberRaftAttributesPath, type Member, type MemberContext, type RaftCluster } from './cluster.ts';
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
  }

  /**
   * Adds a member by its peer URLs. Its ID is etcd's for a member added at run time: SHA-1 of
   * the peer URLs and the Unix time of the request (`NewMember("", urls, "", &now)`), so IDs are
   * never reused. Resolves with the new member once the change is applied.
   */
  async addMember(peerURLs: string[], nowMs: number): Promise<Member> {
    const { cluster } = this.host;
    if (!cluster.isReadyToAddVotingMember()) throw new ServerError(ServerError.NotEnoughStartedMembers);
    const voters = cluster.ids().filter((id) => id !== this.host.id);
    if (this.host.isLeader() && voters.some((id) => !this.connectedSince(id, this.host.ticks() - this.healthTicks))) {
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
    const { cluster } = this.host;
    if (cluster.member(id) !== undefined && !cluster.isReadyToRemoveVotingMember(id)) {
      throw new ServerError(ServerError.NotEnoughStartedMembers);
    }
    // etcd's `mayRemoveMember`: a member that is down may always go; otherwise the members left
    // connected must stay a quorum. Only the leader hears from every peer, so only it can tell.
    const now = this.host.ticks();
    const reachable = cluster.member(id) !== undefined && (id === this.host.id || this.connectedSince(id, now));
    if (this.host.isLeader() && reachable) {
      const voters = cluster.ids();
      const active = voters.filter((v) => v === this.host.id || this.connectedSince(v, now - this.healthTicks)).length;
      if (active - 1 < 1 + Math.floor((voters.length - 1) / 2)) throw new ServerError(ServerError.Unhealthy);
    }
    await this.configure({ type: 'removeNode', nodeId: id });
  }

  /** Changes a member's peer URLs (validated when applied: unknown ID, URL already in use). */
  async updateMember(id: MemberId, peerURLs: string[]): Promise<void> {
    const request = newRequest({ method: 'PUT', path: memberRaftAttributesPath(id), val: JSON.stringify({ peerURLs }) });
    const outcome = await this.host.proposeV2(request);
    if (outcome.error !== undefined) throw outcome.error;
  }

  /** etcd's `applyConfChange`: validate against the membership, then change Raft and the store. */
  applyConfChange(entry: Entry): ConfState {
    const { cluster } = this.host;
    const change = JSON.parse(entry.data) as ConfChange;
    const context = JSON.parse(change.context ?? '{}') as { requestId?: string; member?: MemberContext };
    let outcome: ApplyResult = {};
    let confState: ConfState;
    readMembershipAsEtcdDoes(this.host.store);
    try {
      if (change.type === 'removeNode') cluster.validateRemove(change.nodeId);
      else if (context.member !== undefined) cluster.validateAdd(context.member);
      confState = this.host.applyToRaft(change);
      if (change.type === 'removeNode') cluster.removeMember(change.nodeId);
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

  /** etcd's `configure`: propose a conf change and wait until it is applied. */
  private async configure(change: ConfChange, member?: MemberContext): Promise<void> {
    if (this.host.isRemoved()) throw new ServerError(ServerError.Removed);
    const { proposals } = this.host;
    const id = proposals.nextId();
    const context = JSON.stringify({ requestId: id, member });
    const outcome = await proposals.proposeConfChange(id, { ...change, context }, this.host.requestDeadline());
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
