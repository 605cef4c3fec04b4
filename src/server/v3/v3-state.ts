import { V3AuthStore, type V3AuthBackend } from '../../auth/index.ts';
import { etcdServerLessorOptions, IdGenerator, Lessor, type LeaseStore } from '../../lease/index.ts';
import { WatchableStore, type Backend, type KeyRow, type Revision } from '../../mvcc/index.ts';
import type { V3SnapshotMeta } from '../snapshot-payload.ts';
import { AlarmStore, type AlarmBackend } from './alarms.ts';
import { AuthApplier } from './apply-auth.ts';
import { V3Applier, type V3Result } from './apply-v3.ts';
import { ANONYMOUS } from './auth-request.ts';
import { V3AuthServer, type AuthPorts } from './auth-server.ts';
import { goSort } from './go-sort.ts';
import type { V3Request } from './v3-request.ts';
import { V3Server, type V3Host } from './v3-server.ts';

/** What a member keeps its v3 state in: the host's storage, written in the apply's own turn. */
export interface V3Backends {
  kv: Backend;
  leases: LeaseStore;
  alarms: AlarmBackend;
  /** v3 auth's users, roles, switch and revision (etcd's auth buckets). */
  auth: V3AuthBackend;
  /** The key bucket of a snapshot being received (see `snapshot-payload.ts`). */
  staging: SnapshotStaging;
}

/**
 * Where a member collects the sender's key rows for a snapshot before it installs it: they can
 * take many requests to fetch, so they wait beside the live bucket, and `install` swaps them in
 * within the turn that applies the snapshot.
 */
export interface SnapshotStaging {
  clear(): void;
  add(rows: readonly KeyRow[]): void;
  /** Replaces the key bucket's rows with the staged ones and empties the staging. */
  install(): void;
}

export interface V3StateOptions {
  memberId: string;
  tickMs: number;
  electionTicks: number;
  /** Epoch ms when this member started: seeds the lease ID generator as etcd's `reqIDGen`. */
  startMs: number;
  /** etcd's `--experimental-watch-progress-notify-interval` in ms (10 minutes by default). */
  progressNotifyMs?: number;
  /** The password KDF and token randomness v3 auth needs; without them it refuses what needs them. */
  authPorts?: AuthPorts;
  /** etcd's `--auth-token-ttl` in ms (5 minutes by default). */
  authTokenTtlMs?: number;
}

/** How long a snapshot sender keeps its rows from compaction after each page a receiver pulls. */
const SNAPSHOT_HOLD_MS = 30_000;
/** etcd's lessor checks for expired leases every 500 ms. */
const EXPIRY_CHECK_MS = 500;
/** Physical compaction batches run per tick (etcd: one batch per 10 ms). */
const COMPACTION_STEPS_PER_TICK = 10;
const DEFAULT_PROGRESS_NOTIFY_MS = 10 * 60 * 1000;

/**
 * A member's v3 state machine and what drives it between entries: the mvcc store, the lessor,
 * the alarms, their applier, and the v3 API on top. The `EtcdServer` hands it the v3 entries of
 * the log in order and calls `onTick` on every tick: lease expiry (decided by the leader and
 * proposed as revokes, never applied locally), watcher catch-up, physical compaction and
 * progress notifications.
 */
export class V3State {
  readonly kv: WatchableStore;
  readonly lessor: Lessor;
  readonly alarms: AlarmStore;
  readonly applier: V3Applier;
  readonly authStore: V3AuthStore;
  readonly api: V3Server;
  private readonly authApplier: AuthApplier;
  private readonly leaseIds: IdGenerator;
  private readonly expiryTicks: number;
  private readonly progressTicks: number;
  private compactionWaiters: (() => void)[] = [];
  private appliedInTurn = false;
  private readonly promoteExtendMs: number;
  /** Physical compaction waits while a receiver pulls a snapshot's rows from here. */
  private compactionHeldUntilMs = 0;

  constructor(
    private readonly backends: V3Backends,
    options: V3StateOptions,
    host: Omit<V3Host, 'kv' | 'lessor' | 'alarms' | 'applier' | 'backends' | 'auth' | 'nextLeaseId' | 'compactionDone'>,
  ) {
    // etcd's server configures its lessor from the election timeout: the minimum TTL, the retry
    // of a revoke that did not apply, and how far a new leader extends every lease.
    const { minTtl, expiredLeaseRetryMs, promoteExtendMs } = etcdServerLessorOptions(options.tickMs, options.tickMs * options.electionTicks);
    this.promoteExtendMs = promoteExtendMs;
    this.lessor = new Lessor(backends.leases, { minTtl, expiredLeaseRetryMs });
    this.kv = new WatchableStore(backends.kv, { leases: this.lessor });
    this.alarms = new AlarmStore(backends.alarms);
    this.applier = new V3Applier(this.kv, this.lessor, this.alarms);
    this.authStore = new V3AuthStore(backends.auth, goSort, options.authTokenTtlMs);
    this.authApplier = new AuthApplier(this.applier, this.authStore, this.lessor, this.kv);
    const auth = new V3AuthServer(
      { ...host, appliedIndex: () => host.raftStatus().applied, propose: (op, context, requestAuth) => host.propose(op, context, requestAuth) },
      this.authStore,
      options.authPorts,
    );
    this.leaseIds = new IdGenerator(BigInt(`0x${options.memberId}`), options.startMs);
    this.expiryTicks = Math.max(1, Math.round(EXPIRY_CHECK_MS / options.tickMs));
    this.progressTicks = Math.max(1, Math.round((options.progressNotifyMs ?? DEFAULT_PROGRESS_NOTIFY_MS) / options.tickMs));
    this.api = new V3Server({
      ...host,
      kv: this.kv,
      lessor: this.lessor,
      alarms: this.alarms,
      applier: this.applier,
      backends,
      auth,
      nextLeaseId: () => this.leaseIds.nextLeaseId(),
      compactionDone: () => this.compactionDone(),
    });
  }

  /**
   * Whether the entry at `index` still has to be applied: the backend records the index it has
   * applied up to in the same turn as the changes, so after a restart the entries up to it are
   * skipped, not applied twice (etcd's consistent index).
   */
  needsApply(index: number): boolean {
    return index > this.kv.consistentIndex();
  }

  /** Applies a committed v3 request (log position `index`), checked by the auth applier first. */
  apply(request: V3Request, index: number, nowMs: number): V3Result {
    this.appliedInTurn = true;
    return this.authApplier.apply(request.op, request.auth ?? ANONYMOUS, index, nowMs);
  }

  /** After a turn's entries: record how far the store has applied, with the turn's changes. */
  endTurn(appliedIndex: number): void {
    if (!this.appliedInTurn) return;
    this.appliedInTurn = false;
    this.kv.setConsistentIndex(appliedIndex);
  }

  /** The leader's lessor takes over expiry (etcd's `Promote`, extended by an election timeout). */
  promote(nowMs: number): void {
    this.lessor.promote(nowMs, this.promoteExtendMs);
  }

  demote(): void {
    this.lessor.demote();
  }

  /**
   * One tick: the leader proposes revokes for expired leases; every member catches up its
   * unsynced watchers, runs a bounded piece of physical compaction and, when due, sends
   * progress notifications.
   */
  onTick(ticks: number, isLeader: boolean, nowMs: number, proposeRevoke: (id: bigint) => void): void {
    if (isLeader && ticks % this.expiryTicks === 0) for (const id of this.lessor.expiredLeases(nowMs)) proposeRevoke(id);
    this.kv.syncWatchers();
    this.kv.syncVictims();
    if (nowMs >= this.compactionHeldUntilMs) for (let i = 0; i < COMPACTION_STEPS_PER_TICK && this.kv.runCompactionStep(); i++);
    if (!this.kv.compactionPending() && this.compactionWaiters.length > 0) {
      const waiters = this.compactionWaiters;
      this.compactionWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (ticks % this.progressTicks === 0) this.api.progressTick();
  }

  // ---- snapshots ----

  /** The v3 state a snapshot taken now describes. */
  snapshotMeta(): V3SnapshotMeta {
    return {
      revision: this.kv.rev(),
      compactRev: this.kv.compactRev(),
      finishedCompactRev: Number(this.backends.kv.getMeta('finishedCompactRev') ?? -1),
      leases: this.backends.leases.all(),
      alarms: this.alarms.get('NONE'),
      auth: this.authStore.snapshot(),
    };
  }

  /**
   * A page of the key rows up to a snapshot's revision, after `after`, for a member installing
   * the snapshot. Rows at or below the revision are fixed (later writes take later revisions);
   * only physical compaction could remove some, so it waits while pages are being pulled.
   */
  snapshotRows(revision: number, after: Revision | undefined, limit: number, nowMs: number): KeyRow[] {
    this.compactionHeldUntilMs = nowMs + SNAPSHOT_HOLD_MS;
    const from = after === undefined ? { main: 0, sub: 0 } : { main: after.main, sub: after.sub + 1 };
    return this.backends.kv.scanKeyRows({ from, to: { main: revision + 1, sub: 0 } }, limit);
  }

  /**
   * Installs a snapshot received from another member (its rows staged by the host): the key
   * bucket, leases and alarms become the snapshot's, and the store, lessor and alarm store are
   * rebuilt from them. Applied at `index` as far as the log is concerned.
   */
  installSnapshot(meta: V3SnapshotMeta, index: number): void {
    const { kv, leases, alarms, staging } = this.backends;
    staging.install();
    kv.putMeta('consistent_index', String(index));
    kv.putMeta('scheduledCompactRev', String(Math.max(0, meta.compactRev)));
    kv.putMeta('finishedCompactRev', String(meta.finishedCompactRev));
    for (const lease of leases.all()) leases.delete(lease.id);
    for (const lease of meta.leases) leases.put(lease.id, lease.ttl, lease.remainingTtl);
    for (const alarm of alarms.load()) alarms.delete(alarm);
    for (const alarm of meta.alarms) alarms.put(alarm);
    // A snapshot from before v3 auth describes none: auth as a fresh store has it.
    this.authStore.install(meta.auth ?? { enabled: false, revision: 1, users: [], roles: [] });
    this.lessor.recover(leases);
    this.alarms.reload();
    this.kv.restore();
  }

  private compactionDone(): Promise<void> {
    if (!this.kv.compactionPending()) return Promise.resolve();
    return new Promise((resolve) => this.compactionWaiters.push(resolve));
  }
}
