import type { Message } from '../raft/index.ts';
import type { Event, Watcher } from '../store/index.ts';
import type { MemberId } from './member-id.ts';
import type { LeaderMembership } from './membership.ts';
import type { Clock, LogStore, Logger, PeerTransport } from './ports.ts';
import type { AuthPorts } from './v3/auth-server.ts';
import type { LeaderLeases } from './v3/v3-server.ts';
import type { V3Backends } from './v3/v3-state.ts';

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
  /**
   * The v2 watchers (`wait=true` long polls) a member may hold at once; past it a new one is
   * refused with `etcdserver: too many watchers` (429). etcd has no cap; here each costs isolate
   * memory and an open request. 0 = no cap.
   */
  maxV2Watchers?: number;
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
  /** The cluster's ID (16 hex digits), for v3 response headers. */
  clusterId: MemberId;
  /** Where the v3 state machine keeps its store, leases and alarms (the host's storage). */
  v3: V3Backends;
  /** etcd's `--quota-backend-bytes` for the v3 store: past it, writes raise NOSPACE. 0 = none. */
  v3QuotaBytes?: number;
  /** How many keys the v3 store may index (see `V3Host.quotaKeys`). 0 = none. */
  v3QuotaKeys?: number;
  /** etcd's `--experimental-watch-progress-notify-interval`, ms. */
  progressNotifyMs?: number;
  /** Reaches the leader's lessor from a follower (etcd forwards over the leader's peer URLs). */
  leaderLeases?: (leader: MemberId) => LeaderLeases | undefined;
  /** Reaches the leader's membership from a follower (etcd forwards a promotion to the leader). */
  leaderMembership?: (leader: MemberId) => LeaderMembership | undefined;
  /**
   * v3 auth's platform ports: the password KDF (a password is hashed here before it is proposed)
   * and cryptographic randomness for token prefixes. Without them, v3 auth refuses what needs them.
   */
  authPorts?: AuthPorts;
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
export const SYNC_INTERVAL_MS = 500;
/** etcd's request timeout: 5 s plus two election timeouts. */
export const REQUEST_TIMEOUT_BASE_MS = 5_000;
/** etcd's `--max-request-bytes` default (1.5 MiB): a larger request is refused, not written. */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** etcd's `maxGapBetweenApplyAndCommitIndex`: past it, v3 writes get "too many requests". */
export const MAX_APPLY_LAG = 5_000;
/** Entries kept behind a snapshot so a slightly lagging follower catches up from the log. */
export const CATCH_UP_ENTRIES = 5_000;
/** Raft message size cap (etcd: 1 MiB) and in-flight window (etcd: 256 messages). */
export const MAX_SIZE_PER_MSG = 1024 * 1024;
export const MAX_INFLIGHT_MSGS = 256;
