import type { Store } from '../store/index.ts';
import { compareIds, type MemberId } from './member-id.ts';

/** etcd's `membership.Member` as `/v2/members` shows it. */
export interface Member {
  id: MemberId;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

/** What `etcdctl member add` and bootstrap put in a conf change's context (etcd's ConfigChangeContext). */
export interface MemberContext {
  id: MemberId;
  peerURLs: string[];
  name: string;
  clientURLs: string[];
}

/** etcd's membership errors (membership/errors.go); the members API maps them to statuses. */
export class MembershipError extends Error {
  static readonly IDRemoved = 'membership: ID removed';
  static readonly IDExists = 'membership: ID exists';
  static readonly IDNotFound = 'membership: ID not found';
  static readonly PeerURLExists = 'membership: peerURL exists';
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

  isRemoved(id: MemberId): boolean {
    return this.removed.has(id);
  }

  /** Client URLs of every started member, as `/v2/machines` lists them. */
  clientURLs(): string[] {
    return this.list().flatMap((m) => m.clientURLs);
  }

  /**
   * etcd's `IsReadyToAddVotingMember` (strict reconfiguration check): after the add, the started
   * members (those that published a name) must still be a quorum. A one-member cluster may grow.
   */
  isReadyToAddVotingMember(): boolean {
    const members = this.list();
    const started = members.filter((m) => m.name !== '').length;
    const total = members.length + 1;
    if (started === 1 && total === 2) return true;
    return started >= Math.floor(total / 2) + 1;
  }

  /** etcd's `IsReadyToRemoveVotingMember`: the started members left must be a quorum of those left. */
  isReadyToRemoveVotingMember(id: MemberId): boolean {
    const rest = this.list().filter((m) => m.id !== id);
    const started = rest.filter((m) => m.name !== '').length;
    return started >= Math.floor(rest.length / 2) + 1;
  }

  validateAdd(member: MemberContext): void {
    if (this.removed.has(member.id)) throw new MembershipError(MembershipError.IDRemoved);
    if (this.members.has(member.id)) throw new MembershipError(MembershipError.IDExists);
    const inUse = new Set(this.list().flatMap((m) => m.peerURLs));
    if (member.peerURLs.some((u) => inUse.has(u))) throw new MembershipError(MembershipError.PeerURLExists);
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
    this.store.create(`${MEMBERS_PREFIX}/${member.id}/raftAttributes`, false, JSON.stringify({ peerURLs: member.peerURLs }), false, {});
    this.members.set(member.id, { id: member.id, name: member.name, peerURLs: [...member.peerURLs], clientURLs: [...member.clientURLs] });
  }

  removeMember(id: MemberId): void {
    this.store.delete(`${MEMBERS_PREFIX}/${id}`, true, true);
    this.store.create(`${REMOVED_PREFIX}/${id}`, false, '', false, {});
    this.members.delete(id);
    this.removed.add(id);
  }

  updatePeerURLs(id: MemberId, peerURLs: string[]): void {
    this.store.update(`${MEMBERS_PREFIX}/${id}/raftAttributes`, JSON.stringify({ peerURLs }), {});
    const m = this.members.get(id);
    if (m !== undefined) m.peerURLs = [...peerURLs];
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
      const member: Member = { id, name: '', peerURLs: [], clientURLs: [] };
      for (const node of dir.nodes ?? []) {
        if (node.key.endsWith('/raftAttributes')) {
          member.peerURLs = (JSON.parse(node.value ?? '{}') as { peerURLs?: string[] }).peerURLs ?? [];
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
  return { id: m.id, name: m.name, peerURLs: [...m.peerURLs], clientURLs: [...m.clientURLs] };
}
