import type { Lessor } from '../../lease/index.ts';
import type { WatchableStore } from '../../mvcc/index.ts';
import type { Member } from '../cluster.ts';
import type { CallSignal } from '../leader-transfer.ts';
import type { AlarmStore } from './alarms.ts';
import type { V3Context } from './api.ts';
import type { V3Applier, V3Result } from './apply-v3.ts';
import type { RequestAuth } from './auth-request.ts';
import type { V3AuthServer } from './auth-server.ts';
import type * as pb from './rpc.ts';
import type { V3Operation } from './v3-request.ts';
import type { V3Backends } from './v3-state.ts';

/**
 * Where lease renewals and time-to-live questions go when this member is not the leader: etcd
 * forwards both to the leader over its peer URLs (leasehttp), since only the leader's lessor
 * knows expiries.
 */
export interface LeaderLeases {
  renew(id: bigint): Promise<number>;
  timeToLive(id: bigint, keys: boolean): Promise<pb.LeaseTimeToLiveResponse>;
}

/** What the v3 API needs of the member it runs in (the `EtcdServer` supplies it). */
export interface V3Host {
  readonly kv: WatchableStore;
  readonly lessor: Lessor;
  readonly alarms: AlarmStore;
  readonly applier: V3Applier;
  /** The storage under the store, the lessor and the alarms (what `Hash` reads). */
  readonly backends: V3Backends;
  /** The member's v3 auth: tokens, the checks made before serving or proposing, the Auth service. */
  readonly auth: V3AuthServer;
  readonly memberId: string;
  /** etcd's `--quota-backend-bytes` for the v3 store; 0 = none. */
  readonly quotaBytes: number;
  /**
   * How many keys the v3 store may index (edgecd's `--quota-v3-keys`; 0 = none): values live in
   * SQLite, but the key index lives in the member's memory, as etcd's `treeIndex` does, and a
   * Durable Object has 128 MB of it. Past it a write raises NOSPACE as a full backend would.
   */
  readonly quotaKeys: number;
  /** etcd's `--max-request-bytes`: a larger watch response is split when the client allows it. */
  readonly maxRequestBytes: number;
  /** The response header as of now; `revision` overrides the store's current revision. */
  header(revision?: number): pb.ResponseHeader;
  /** Proposes a v3 write under its proposer's header and resolves with its applied outcome. */
  propose(op: V3Operation, context?: V3Context, auth?: RequestAuth): Promise<V3Result>;
  /** Resolves once this member has applied everything committed when it was called (ReadIndex). */
  linearizableRead(): Promise<void>;
  raftStatus(): { leader: string; isLeader: boolean; term: number; commit: number; applied: number };
  nowMs(): number;
  nextLeaseId(): bigint;
  /** The leader's lessor, reached from a follower. */
  leaderLeases(): LeaderLeases | undefined;
  /** Resolves once the scheduled physical compaction has run to its end. */
  compactionDone(): Promise<void>;
  members(): Member[];
  addMember(peerURLs: string[], nowMs: number, isLearner: boolean): Promise<Member>;
  removeMember(id: string): Promise<void>;
  updateMember(id: string, peerURLs: string[]): Promise<void>;
  /** Resolves with the members once the learner is a voter. */
  promoteMember(id: string): Promise<Member[]>;
  moveLeader(transferee: string, signal?: CallSignal): Promise<void>;
  /** Whether the membership has this member as a learner. */
  isLearner(): boolean;
  /** The membership as etcd's backend also keeps it (`members`, `members_removed`, `cluster`). */
  membershipState(): { members: Member[]; removed: string[]; clusterVersion: string | undefined };
}
