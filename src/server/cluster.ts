import type { Store } from '../store/index.ts';
import { compareIds, type MemberId } from './member-id.ts';

/**
 * etcd's `membership.Member`. `isLearner` is a raft attribute (etcd 3.4: `RaftAttributes.IsLearner`):
 * a learner receives the log but does not vote; `/v2/members` does not show it, the v3 API does.
 */
export interface Member {
  id: MemberId;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** What `etcdctl member add` and bootstrap put in a conf change's context (etcd's ConfigChangeContext). */
export interface MemberContext {
  id: MemberId;
  peerURLs: string[];
  name: string;
  clientURLs: string[];
  /** Added as a learner (`member add --learner`); bootstrap members never are (etcd 3.4). */
  isLearner?: boolean;
}

/** etcd's `maxLearners` (membership/cluster.go): at most one learner in a cluster. */
export const MAX_LEARNERS = 1;

/** etcd's membership errors (membership/errors.go); the members API maps them to statuses. */
export class MembershipError extends Error {
  static readonly IDRemoved = 'membership: ID removed';
  static readonly IDExists = 'membership: ID exists';
  static readonly IDNotFound = 'membership: ID not found';
  static readonly PeerURLExists = 'membership: peerURL exists';
  static readonly MemberNotLearner = 'membership: can only promote a learner member';
  static readonly TooManyLearners = 'membership: too many learner members in cluster';
}

const MEMBERS_PREFIX = '/0/members';
const REMOVED_PREFIX = '/0/removed_members';
export const CLUSTER_VERSION_KEY = '/0/version';
/** `PUT /0/members/<id>/attributes` is a member publishing its name and client URLs. */
export const MEMBER_ATTRIBUTES_PATH = /^\/0\/members\/([0-9a-f]{1,16})\/attributes$/;
/** `PUT /0/members/<id>/raftAttributes` is `member update`: new peer URLs (etcd's ConfChangeUpdateNode). */
export const MEMBER_RAFT_ATTRIBUTES_PATH = /^\/0\/members\/([0-9a-f]{1,16})\/raftAttributes$/;

export const memberAttributesPath = (id: MemberId): string => `${MEMBERS_PREFIX}/${id}/attributes`;
export const memberRaftAttributesPath = (id: MemberId): string => `${MEMBERS_PREFIX}/${id}/raftAttributes`;

/**
 * The cluster's membership, kept in the v2 store exactly where etcd keeps it (membership/store.go):
 * `/0/members/<id>/raftAttributes`, `/0/members/<id>/attributes`, `/0/removed_members/<id>`,
 * `/0/version`. Each change is a store write, so `X-Etcd-Index` counts them as etcd does. The maps
 * here are a cache of the store, rebuilt by `recover` after a snapshot.
 */
export class RaftCluster {
  private members = new Map<MemberId, Member>();
  private removed = new Set<MemberId>();
  private clusterVersion: string | undefined;

  constructor(private readonly store: Store) {}

  get version(): string | undefined {
    return this.clusterVersion;
  }

  member(id: MemberId): Member | undefined {
    return this.members.get(id);
  }

  /** Members in etcd's order: by ID as an unsigned 64-bit number. */
  list(): Member[] {
    return [...this.members.values()].sort((a, b) => compareIds(a.id, b.id)).map(cloneMember);
  }

  ids(): MemberId[] {
    return this.list().map((m) => m.id);
  }

  /** The members that vote (etcd's `VotingMembers`: every member but the learner), in ID order. */
  votingMembers(): Member[] {
    return this.list().filter((m) => !m.isLearner);
  }

  /** IDs of the removed members, in ID order (etcd's `members_removed` bucket). */
  removedIds(): MemberId[] {
    return [...this.removed].sort(compareIds);
  }

  isRemoved(id: MemberId): boolean {
    return this.removed.has(id);
  }

  /** Client URLs of every started member, as `/v2/machines` lists them. */
  clientURLs(): string[] {
    return this.list().flatMap((m) => m.clientURLs);
  }

  /**
   * etcd's `IsReadyToAddVotingMember` (strict reconfiguration check): after the add, the started
   * voters (those that published a name) must still be a quorum of the voters. A one-member
   * cluster may grow. Learners count for neither.
   */
  isReadyToAddVotingMember(): boolean {
    const voters = this.votingMembers();
    const started = voters.filter((m) => m.name !== '').length;
    const total = voters.length + 1;
    if (started === 1 && total === 2) return true;
    return started >= Math.floor(total / 2) + 1;
  }

  /** etcd's `IsReadyToRemoveVotingMember`: the started voters left must be a quorum of the voters left. */
  isReadyToRemoveVotingMember(id: MemberId): boolean {
    const rest = this.votingMembers().filter((m) => m.id !== id);
    const started = rest.filter((m) => m.name !== '').length;
    return started >= Math.floor(rest.length / 2) + 1;
  }

  /**
   * etcd's `IsReadyToPromoteMember`: the learner becomes a voter and counts as started, so the
   * started voters with it must be a quorum of the voters with it.
   */
  isReadyToPromoteMember(): boolean {
    const voters = this.votingMembers();
    const started = 1 + voters.filter((m) => m.name !== '').length;
    return started >= Math.floor((voters.length + 1) / 2) + 1;
  }

  /** etcd's `ValidateConfigurationChange` for an add: removed, existing, peer URL in use, learners. */
  validateAdd(member: MemberContext): void {
    if (this.removed.has(member.id)) throw new MembershipError(MembershipError.IDRemoved);
    if (this.members.has(member.id)) throw new MembershipError(MembershipError.IDExists);
    const inUse = new Set(this.list().flatMap((m) => m.peerURLs));
    if (member.peerURLs.some((u) => inUse.has(u))) throw new MembershipError(MembershipError.PeerURLExists);
    if (member.isLearner === true && this.list().filter((m) => m.isLearner).length + 1 > MAX_LEARNERS) {
      throw new MembershipError(MembershipError.TooManyLearners);
    }
  }

  /** etcd's `ValidateConfigurationChange` for a promotion (an AddNode with `IsPromote`). */
  validatePromote(id: MemberId): void {
    if (this.removed.has(id)) throw new MembershipError(MembershipError.IDRemoved);
    const member = this.members.get(id);
    if (member === undefined) throw new MembershipError(MembershipError.IDNotFound);
    if (!member.isLearner) throw new MembershipError(MembershipError.MemberNotLearner);
  }

  validateRemove(id: MemberId): void {
    if (this.removed.has(id)) throw new MembershipError(MembershipError.IDRemoved);
    if (!this.members.has(id)) throw new MembershipError(MembershipError.IDNotFound);
  }

  validateUpdate(id: MemberId, peerURLs: readonly string[]): void {
    if (this.removed.has(id)) throw new MembershipError(MembershipError.IDRemoved);
    if (!this.members.has(id)) throw new MembershipError(MembershipError.IDNotFound);
    const inUse = new Set(this.list().filter((m) => m.id !== id).flatMap((m) => m.peerURLs));
    if (peerURLs.some((u) => inUse.has(u))) throw new MembershipError(MembershipError.PeerURLExists);
  }

  addMember(member: MemberContext): void {
    const isLearner = member.isLearner === true;
    this.store.create(memberRaftAttributesPath(member.id), false, raftAttributesJSON(member.peerURLs, isLearner), false, {});
    this.members.set(member.id, { id: member.id, name: member.name, peerURLs: [...member.peerURLs], clientURLs: [...member.clientURLs], isLearner });
  }

  /** etcd's `PromoteMember`: the learner's raft attributes lose `isLearner` (one store update). */
  promoteMember(id: MemberId): void {
    const m = this.members.get(id);
    if (m === undefined) return;
    m.isLearner = false;
    this.store.update(memberRaftAttributesPath(id), raftAttributesJSON(m.peerURLs, false), {});
  }

  removeMember(id: MemberId): void {
    this.store.delete(`${MEMBERS_PREFIX}/${id}`, true, true);
    this.store.create(`${REMOVED_PREFIX}/${id}`, false, '', false, {});
    this.members.delete(id);
    this.removed.add(id);
  }

  /**
   * etcd's `UpdateRaftAttributes` as `member update` calls it: the raft attributes are replaced
   * by `{PeerURLs}` alone, so etcd 3.4 drops a learner's `isLearner` here (v3rpc MemberUpdate and
   * v2http build `RaftAttributes{PeerURLs: ...}`): afterwards the member is listed and counted
   * as a voter, while Raft still has it as a learner. Reproduced as etcd 3.4.23 does it.
   */
  updatePeerURLs(id: MemberId, peerURLs: string[]): void {
    this.store.update(memberRaftAttributesPath(id), raftAttributesJSON(peerURLs, false), {});
    const m = this.members.get(id);
    if (m !== undefined) {
      m.peerURLs = [...peerURLs];
      m.isLearner = false;
    }
  }

  /** A member's publish (etcd's `UpdateAttributes`); ignored for a removed member, as etcd does. */
  updateAttributes(id: MemberId, attributes: { name?: string; clientURLs?: string[] }): void {
    const m = this.members.get(id);
    if (m === undefined) return;
    this.store.set(memberAttributesPath(id), false, JSON.stringify(attributes), {});
    m.name = attributes.name ?? '';
    m.clientURLs = [...(attributes.clientURLs ?? [])];
  }

  setVersion(version: string): void {
    this.store.set(CLUSTER_VERSION_KEY, false, version, {});
    this.clusterVersion = version;
  }

  /** Rebuilds the cache from the store (after a snapshot was applied). */
  recover(): void {
    this.members.clear();
    this.removed.clear();
    this.clusterVersion = undefined;
    for (const dir of this.children(MEMBERS_PREFIX)) {
      const id = dir.key.slice(dir.key.lastIndexOf('/') + 1);
      const member: Member = { id, name: '', peerURLs: [], clientURLs: [], isLearner: false };
      for (const node of dir.nodes ?? []) {
        if (node.key.endsWith('/raftAttributes')) {
          const raft = JSON.parse(node.value ?? '{}') as { peerURLs?: string[]; isLearner?: boolean };
          member.peerURLs = raft.peerURLs ?? [];
          member.isLearner = raft.isLearner === true;
        } else if (node.key.endsWith('/attributes')) {
          const attributes = JSON.parse(node.value ?? '{}') as { name?: string; clientURLs?: string[] };
          member.name = attributes.name ?? '';
          member.clientURLs = attributes.clientURLs ?? [];
        }
      }
      this.members.set(id, member);
    }
    for (const node of this.children(REMOVED_PREFIX)) this.removed.add(node.key.slice(node.key.lastIndexOf('/') + 1));
    try {
      this.clusterVersion = this.store.get(CLUSTER_VERSION_KEY, false, false).node.value;
    } catch {
      this.clusterVersion = undefined;
    }
  }

  private children(dir: string): { key: string; value?: string; nodes?: { key: string; value?: string }[] }[] {
    try {
      return this.store.get(dir, true, true).node.nodes ?? [];
    } catch {
      return [];
    }
  }
}

function cloneMember(m: Member): Member {
  return { id: m.id, name: m.name, peerURLs: [...m.peerURLs], clientURLs: [...m.clientURLs], isLearner: m.isLearner };
}

/** `json.Marshal(RaftAttributes)`: `{"peerURLs":[...]}`, with `"isLearner":true` (omitempty) for a learner. */
function raftAttributesJSON(peerURLs: readonly string[], isLearner: boolean): string {
  return JSON.stringify(isLearner ? { peerURLs, isLearner } : { peerURLs });
}
