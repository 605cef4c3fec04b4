import { CLUSTER_VERSION, EDGECD, HEALTH, HTTP, registerMvccMetrics, Registry, SERVER, STORE, type Counter, type Gauge, type Histogram, type MvccReadings } from '../metrics/index.ts';
import type { WatchableStore } from '../mvcc/index.ts';
import { EtcdError, type StoreStats } from '../store/index.ts';
import type { MemberId } from './member-id.ts';
import type { Clock } from './ports.ts';

/** What the server's gathered values are read from, at scrape time. */
export interface ServerMetricsSource {
  id: MemberId;
  leader(): MemberId;
  isLeader(): boolean;
  term(): number;
  commit(): number;
  applied(): number;
  quotaBytes(): number;
  clusterVersion(): string | undefined;
  storeStats(): StoreStats;
  storeBytes(): number;
  /** The v3 store, whose counts are etcd's `etcd_mvcc_*` families. */
  v3Store(): WatchableStore;
}

/** The store's write counters (etcd's `/v2/stats/store` names) behind each write action label. */
const WRITE_ACTIONS: [action: string, success: keyof StoreStats, fail: keyof StoreStats][] = [
  ['compareAndDelete', 'compareAndDeleteSuccess', 'compareAndDeleteFail'],
  ['compareAndSwap', 'compareAndSwapSuccess', 'compareAndSwapFail'],
  ['create', 'createSuccess', 'createFail'],
  ['delete', 'deleteSuccess', 'deleteFail'],
  ['set', 'setsSuccess', 'setsFail'],
  ['update', 'updateSuccess', 'updateFail'],
];

/**
 * The metrics one member's server keeps, under etcd's names (etcdserver/metrics.go,
 * v2http/metrics.go, v2store/metrics.go, mvcc/metrics.go, etcdhttp). Counters move where etcd
 * moves them; values the server already holds (leader, indexes, the v2 store's counters, the v3
 * store's counts) are read when gathered. The member adds its disk, network and process families
 * to the same `registry`.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly leaderChanges: Counter;
  readonly proposalsPending: Gauge;
  readonly proposalsFailed: Counter;
  readonly watchRequests: Counter;
  readonly healthSuccess: Counter;
  readonly healthFailures: Counter;
  private readonly httpReceived: Counter;
  private readonly httpFailed: Counter;
  private readonly httpDuration: Histogram;
  private readonly healthcheck: Gauge;
  private readonly healthchecks: Counter;
  /** Client reads of a whole subtree; the store counts every read, so plain gets are the rest. */
  private recursiveReads = 0;

  constructor(source: ServerMetricsSource) {
    const r = this.registry;
    r.gaugeFunction(SERVER.hasLeader, () => (source.leader() === '' ? 0 : 1));
    r.gaugeFunction(SERVER.isLeader, () => (source.isLeader() ? 1 : 0));
    this.leaderChanges = r.counter(SERVER.leaderChanges);
    r.gaugeFunction(SERVER.proposalsCommitted, () => source.commit());
    r.gaugeFunction(SERVER.proposalsApplied, () => source.applied());
    this.proposalsPending = r.gauge(SERVER.proposalsPending);
    this.proposalsFailed = r.counter(SERVER.proposalsFailed);
    r.gaugeFunction(SERVER.quotaBackendBytes, () => source.quotaBytes());
    r.gaugeFunction(SERVER.id, () => [{ labels: { server_id: source.id }, value: 1 }]);
    // etcd labels the cluster version by major.minor (`version.Cluster`): "3.4".
    r.gaugeFunction(CLUSTER_VERSION, () => {
      const version = source.clusterVersion();
      return version === undefined ? [] : [{ labels: { cluster_version: version.split('.').slice(0, 2).join('.') }, value: 1 }];
    });
    r.gaugeFunction(EDGECD.raftTerm, () => source.term());
    r.gaugeFunction(EDGECD.v2StoreBytes, () => source.storeBytes());

    this.httpReceived = r.counter(HTTP.received);
    this.httpFailed = r.counter(HTTP.failed);
    this.httpDuration = r.histogram(HTTP.successfulDuration);

    r.counterFunction(STORE.reads, () => {
      const stats = source.storeStats();
      const all = stats.getsSuccess + stats.getsFail;
      return [
        { labels: { action: 'get' }, value: all - this.recursiveReads },
        { labels: { action: 'getRecursive' }, value: this.recursiveReads },
      ].filter((s) => s.value > 0);
    });
    r.counterFunction(STORE.writes, () => {
      const stats = source.storeStats();
      return WRITE_ACTIONS.map(([action, success, fail]) => ({ labels: { action }, value: stats[success] + stats[fail] })).filter((s) => s.value > 0);
    });
    r.counterFunction(STORE.expires, () => source.storeStats().expireCount);
    this.watchRequests = r.counter(STORE.watchRequests);
    r.gaugeFunction(STORE.watchers, () => source.storeStats().watchers);

    this.healthSuccess = r.counter(HEALTH.success);
    this.healthFailures = r.counter(HEALTH.failures);
    this.healthcheck = r.gauge(HEALTH.check);
    this.healthchecks = r.counter(HEALTH.checks);

    registerMvccMetrics(r, mvccReadings(source.v3Store));
  }

  /**
   * One v2 request, counted as etcd's keys handler counts it around `server.Do`
   * (v2http/client.go): received, then completed with its duration (`reportRequestCompleted`)
   * or failed with its code, the v2 error's HTTP status or 500 (`reportRequestFailed`).
   * A watch counts only as a watch request (v2store's `reportWatchRequest`).
   */
  async countRequest<T>(request: { method: string; wait: boolean }, clock: Clock, serve: () => Promise<T>): Promise<T> {
    if (request.wait) {
      this.watchRequests.inc();
      return serve();
    }
    const method = request.method;
    const started = clock.now();
    this.httpReceived.labels(method).inc();
    try {
      const result = await serve();
      this.httpDuration.labels(method).observe((clock.now() - started) / 1000);
      return result;
    } catch (error) {
      this.httpFailed.labels(method, String(error instanceof EtcdError ? error.status : 500)).inc();
      throw error;
    }
  }

  /**
   * A client's write through the log, counted as etcd's `processRaftRequest` counts it: pending
   * while it waits, failed when it times out or loses its leader (a store error is an outcome).
   */
  async countProposal<T>(propose: () => Promise<T>): Promise<T> {
    this.proposalsPending.inc();
    try {
      return await propose();
    } catch (error) {
      this.proposalsFailed.inc();
      throw error;
    } finally {
      this.proposalsPending.dec();
    }
  }

  /** A client read; one of a subtree is `getRecursive` in etcd's store metrics, failed or not. */
  countRead<T>(recursive: boolean, get: () => T): T {
    if (recursive) this.recursiveReads++;
    return get();
  }

  /** etcd 3.6's `recordMetrics` for one `/livez` or `/readyz` check. */
  healthChecked(type: 'livez' | 'readyz', name: string, ok: boolean): void {
    this.healthcheck.labels(type, name).set(ok ? 1 : 0);
    this.healthchecks.labels(type, name, ok ? 'success' : 'error').inc();
  }
}

/** The v3 store's metrics as etcd reads them (mvcc/metrics.go's report functions and gauges). */
function mvccReadings(store: () => WatchableStore): MvccReadings {
  return {
    counts: () => store().counts,
    dbSizeBytes: () => store().size(),
    currentRevision: () => store().rev(),
    compactRevision: () => store().compactRev(),
    watchers: () => {
      const { synced, unsynced, victims } = store().watcherCounts();
      // etcd's slow watchers are the unsynced ones and those whose events wait as victims.
      return { total: synced + unsynced + victims, slow: unsynced + victims };
    },
  };
}
