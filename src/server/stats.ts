import type { Store } from '../store/index.ts';
import type { MemberId } from './member-id.ts';

/**
 * etcd's v2 server statistics (`etcdserver/api/v2stats`): what `/v2/stats/self` and
 * `/v2/stats/leader` show. Times are epoch milliseconds handed in by the caller (the server's
 * `Clock`), so this stays pure; etcd's nanosecond clocks become millisecond ones here.
 */

/** etcd's `statsQueue` capacity: rates are computed over the last 200 MsgApps. */
const QUEUE_CAPACITY = 200;
/** A rate whose newest sample is older than this is stale: etcd clears the queue and shows none. */
const RATE_WINDOW_MS = 1000;

interface Sample {
  at: number;
  size: number;
}

/** etcd's `statsQueue`: the last MsgApps sent or received, for package and bandwidth rates. */
class RateQueue {
  private items: Sample[] = [];
  private totalSize = 0;

  insert(sample: Sample): void {
    if (this.items.length === QUEUE_CAPACITY) this.totalSize -= this.items.shift()!.size;
    this.items.push(sample);
    this.totalSize += sample.size;
  }

  /**
   * Packages and bytes per second between the oldest and the newest sample. etcd divides by a
   * zero span too (one sample, or samples in the same instant), gets +Inf, and then fails to
   * marshal the whole document (an empty 200 body); with millisecond clocks that would be common
   * here, so a zero span shows no rate instead.
   */
  rate(now: number): [pkg: number, bandwidth: number] {
    const front = this.items[0];
    const back = this.items[this.items.length - 1];
    if (front === undefined || back === undefined) return [0, 0];
    if (now - back.at > RATE_WINDOW_MS) {
      this.items = [];
      this.totalSize = 0;
      return [0, 0];
    }
    const span = back.at - front.at;
    if (span <= 0) return [0, 0];
    return [(this.items.length / span) * 1000, (this.totalSize / span) * 1000];
  }
}

export type RaftStateName = 'StateFollower' | 'StateLeader';

/** `/v2/stats/self`, field for field in etcd's `serverStats` order. */
export interface SelfStatsJSON {
  name: string;
  id: string;
  state: RaftStateName;
  startTime: string;
  leaderInfo: { leader: string; uptime: string; startTime: string };
  recvAppendRequestCnt: number;
  recvPkgRate?: number;
  recvBandwidthRate?: number;
  sendAppendRequestCnt: number;
  sendPkgRate?: number;
  sendBandwidthRate?: number;
}

/** etcd's `ServerStats`: this member's view of the Raft traffic it takes part in. */
export class ServerStats {
  /**
   * Zero value of etcd's `raft.StateType` is StateFollower. etcd changes it only when a MsgApp
   * arrives (follower) or this member becomes or acts as leader; a deposed leader keeps showing
   * StateLeader until the next leader's first MsgApp reaches it. Kept as etcd has it.
   */
  private state: RaftStateName = 'StateFollower';
  private leaderName = '';
  private leaderStartTime: number;
  private recvCount = 0;
  private sendCount = 0;
  private readonly recvQueue = new RateQueue();
  private readonly sendQueue = new RateQueue();

  constructor(
    private readonly name: string,
    private readonly id: MemberId,
    private readonly startTime: number,
  ) {
    this.leaderStartTime = startTime;
  }

  /** etcd's `RecvAppendReq`: a MsgApp from `leader` of `size` bytes arrived. */
  recvAppendReq(leader: MemberId, size: number, now: number): void {
    this.state = 'StateFollower';
    if (leader !== this.leaderName) {
      this.leaderName = leader;
      this.leaderStartTime = now;
    }
    this.recvQueue.insert({ at: now, size });
    this.recvCount++;
  }

  /** etcd's `SendAppendReq`: this member sent a MsgApp, which only a leader does. */
  sendAppendReq(size: number, now: number): void {
    this.becomeLeader(now);
    this.sendQueue.insert({ at: now, size });
    this.sendCount++;
  }

  /** etcd's `BecomeLeader`. */
  becomeLeader(now: number): void {
    if (this.state === 'StateLeader') return;
    this.state = 'StateLeader';
    this.leaderName = this.id;
    this.leaderStartTime = now;
  }

  /** The document, rates omitted when zero (etcd's `omitempty`). */
  toJSON(now: number): SelfStatsJSON {
    const [sendPkg, sendBandwidth] = this.sendQueue.rate(now);
    const [recvPkg, recvBandwidth] = this.recvQueue.rate(now);
    return {
      name: this.name,
      id: this.id,
      state: this.state,
      startTime: formatGoTime(this.startTime),
      leaderInfo: {
        leader: this.leaderName,
        uptime: formatGoDuration(now - this.leaderStartTime),
        startTime: formatGoTime(this.leaderStartTime),
      },
      recvAppendRequestCnt: this.recvCount,
      ...(recvPkg === 0 ? {} : { recvPkgRate: recvPkg }),
      ...(recvBandwidth === 0 ? {} : { recvBandwidthRate: recvBandwidth }),
      sendAppendRequestCnt: this.sendCount,
      ...(sendPkg === 0 ? {} : { sendPkgRate: sendPkg }),
      ...(sendBandwidth === 0 ? {} : { sendBandwidthRate: sendBandwidth }),
    };
  }
}

export interface FollowerStatsJSON {
  latency: { current: number; average: number; standardDeviation: number; minimum: number; maximum: number };
  counts: { fail: number; success: number };
}

/** `/v2/stats/leader`: `followers` keyed by member ID, in ID order (Go marshals maps sorted). */
export interface LeaderStatsJSON {
  leader: string;
  followers: Record<string, FollowerStatsJSON>;
}

/** etcd's `FollowerStats`: the leader's round trips to one follower, in milliseconds. */
class FollowerStats {
  private current = 0;
  private average = 0;
  private averageSquare = 0;
  private standardDeviation = 0;
  /** etcd starts the minimum at 1<<63 so the first sample replaces it (and shows it until then). */
  private minimum = 2 ** 63;
  private maximum = 0;
  private fail = 0;
  private success = 0;

  /** etcd's `Succ`: running mean and standard deviation of the round trips. */
  succ(ms: number): void {
    const total = this.success * this.average;
    const totalSquare = this.success * this.averageSquare;
    this.success++;
    this.current = ms;
    if (ms > this.maximum) this.maximum = ms;
    if (ms < this.minimum) this.minimum = ms;
    this.average = (total + ms) / this.success;
    this.averageSquare = (totalSquare + ms * ms) / this.success;
    // sqrt(avg(x²) - avg(x)²); rounding can make the difference slightly negative, Go then says NaN
    // and fails to marshal: clamp at zero instead.
    this.standardDeviation = Math.sqrt(Math.max(0, this.averageSquare - this.average * this.average));
  }

  addFail(): void {
    this.fail++;
  }

  toJSON(): FollowerStatsJSON {
    return {
      latency: {
        current: this.current,
        average: this.average,
        standardDeviation: this.standardDeviation,
        minimum: this.minimum,
        maximum: this.maximum,
      },
      counts: { fail: this.fail, success: this.success },
    };
  }
}

/** etcd's `LeaderStats`: kept on every member, shown only by the current leader. */
export class LeaderStats {
  private readonly followers = new Map<MemberId, FollowerStats>();

  constructor(private readonly id: MemberId) {}

  /** A delivered batch of MsgApps to `follower`, `ms` from send to the follower's answer. */
  succ(follower: MemberId, ms: number): void {
    this.follower(follower).succ(ms);
  }

  /** A batch the follower did not take (unreachable, timed out, refused). */
  fail(follower: MemberId): void {
    this.follower(follower).addFail();
  }

  /**
   * etcd registers a follower's stats when its peer is added (every other member, from start),
   * so one never reached shows up with zero counts, and drops it when the peer is removed:
   * `peers` are the current members.
   */
  toJSON(peers: readonly MemberId[]): LeaderStatsJSON {
    const followers: Record<string, FollowerStatsJSON> = {};
    for (const id of [...peers].filter((p) => p !== this.id).sort()) followers[id] = this.follower(id).toJSON();
    return { leader: this.id, followers };
  }

  private follower(id: MemberId): FollowerStats {
    let stats = this.followers.get(id);
    if (stats === undefined) {
      stats = new FollowerStats();
      this.followers.set(id, stats);
    }
    return stats;
  }
}

/**
 * Go's `time.Time` in JSON (RFC 3339 with nanoseconds, trailing zeros trimmed), in UTC, which is
 * what etcd prints on a host whose zone is UTC.
 */
export function formatGoTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // 2026-01-02T03:04:05.678Z
  const [seconds, fraction] = [iso.slice(0, 19), iso.slice(20, 23).replace(/0+$/, '')];
  return fraction === '' ? `${seconds}Z` : `${seconds}.${fraction}Z`;
}

/** Go's `time.Duration.String()` for a duration in milliseconds: `0s`, `250ms`, `9.397s`, `2m3.5s`, `1h0m0s`. */
export function formatGoDuration(ms: number): string {
  if (ms <= 0) return ms === 0 ? '0s' : `-${formatGoDuration(-ms)}`;
  const whole = Math.round(ms * 1e6); // nanoseconds, as Go counts
  if (whole < 1e9) {
    if (whole < 1e3) return `${whole}ns`;
    if (whole < 1e6) return `${trimFraction(whole / 1e3)}µs`;
    return `${trimFraction(whole / 1e6)}ms`;
  }
  const hours = Math.floor(whole / 3.6e12);
  const minutes = Math.floor((whole % 3.6e12) / 6e10);
  const seconds = `${trimFraction((whole % 6e10) / 1e9)}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/** A number with up to nine decimals, without trailing zeros (Go's `fmtFrac`). */
function trimFraction(n: number): string {
  return n.toFixed(9).replace(/\.?0+$/, '');
}

/**
 * A MsgApp's size for the rates: etcd uses the protobuf size; here the entries' payloads plus a
 * small fixed overhead per entry and per message, which is what dominates either way.
 */
export function appendSize(entries: readonly { data: string }[]): number {
  let size = 32;
  for (const e of entries) size += e.data.length + 16;
  return size;
}

/**
 * The store reads etcd's `ValidateConfigurationChange` makes before it applies any membership
 * change (`membersFromStore`): all members, then, if there were any, the removed ones; a missing
 * directory is a failed get. edgecd validates from its in-memory membership, so these reads are
 * made for `/v2/stats/store` alone, whose get counters etcd users see move with every membership
 * change (2 successful and 3 failed gets after a 3-member bootstrap).
 */
export function readMembershipAsEtcdDoes(store: Store): void {
  for (const dir of ['/0/members', '/0/removed_members']) {
    try {
      store.get(dir, true, true);
    } catch {
      return;
    }
  }
}
