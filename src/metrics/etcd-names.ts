import { exponentialBuckets } from './family.ts';
import type { MetricOptions } from './metric.ts';

type Options = MetricOptions & { buckets?: readonly number[] };

/**
 * etcd 3.4's metric families that edgecd serves, with etcd's names, help texts, label names and
 * bucket layouts, so dashboards and alert rules written for etcd read edgecd unchanged. Each
 * group names the etcd file it comes from. What etcd lacks is named `edgecd_*` (edgecd-names.ts).
 */

/** etcdserver/metrics.go */
export const SERVER = {
  hasLeader: { name: 'etcd_server_has_leader', help: 'Whether or not a leader exists. 1 is existence, 0 is not.' },
  isLeader: { name: 'etcd_server_is_leader', help: 'Whether or not this member is a leader. 1 if is, 0 otherwise.' },
  leaderChanges: { name: 'etcd_server_leader_changes_seen_total', help: 'The number of leader changes seen.' },
  // etcd declares these two as gauges, set to the commit and applied index: kept so.
  proposalsCommitted: { name: 'etcd_server_proposals_committed_total', help: 'The total number of consensus proposals committed.' },
  proposalsApplied: { name: 'etcd_server_proposals_applied_total', help: 'The total number of consensus proposals applied.' },
  proposalsPending: { name: 'etcd_server_proposals_pending', help: 'The current number of pending proposals to commit.' },
  proposalsFailed: { name: 'etcd_server_proposals_failed_total', help: 'The total number of failed proposals seen.' },
  quotaBackendBytes: { name: 'etcd_server_quota_backend_bytes', help: 'Current backend storage quota size in bytes.' },
  version: {
    name: 'etcd_server_version',
    help: "Which version is running. 1 for 'server_version' label with current version.",
    labelNames: ['server_version'],
  },
  id: { name: 'etcd_server_id', help: "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.", labelNames: ['server_id'] },
} satisfies Record<string, Options>;

/** etcdserver/api/membership/metrics.go */
export const CLUSTER_VERSION = {
  name: 'etcd_cluster_version',
  help: "Which version is running. 1 for 'cluster_version' label with current cluster version",
  labelNames: ['cluster_version'],
} satisfies MetricOptions;

/** etcdserver/api/etcdhttp/metrics.go (3.4: `/health`) and health.go (3.6: `/livez`, `/readyz`). */
export const HEALTH = {
  success: { name: 'etcd_server_health_success', help: 'The total number of successful health checks' },
  failures: { name: 'etcd_server_health_failures', help: 'The total number of failed health checks' },
  check: { name: 'etcd_server_healthcheck', help: 'The result of each kind of healthcheck.', labelNames: ['type', 'name'] },
  checks: { name: 'etcd_server_healthchecks_total', help: 'The total number of each kind of healthcheck.', labelNames: ['type', 'name', 'status'] },
} satisfies Record<string, Options>;

/** etcdserver/api/v2http/metrics.go: the v2 keys API's requests (watches are not counted). */
export const HTTP = {
  received: {
    name: 'etcd_http_received_total',
    help: 'Counter of requests received into the system (successfully parsed and authd).',
    labelNames: ['method'],
  },
  failed: {
    name: 'etcd_http_failed_total',
    help: 'Counter of handle failures of requests (non-watches), by method (GET/PUT etc.) and code (400, 500 etc.).',
    labelNames: ['method', 'code'],
  },
  successfulDuration: {
    name: 'etcd_http_successful_duration_seconds',
    help: 'Bucketed histogram of processing time (s) of successfully handled requests (non-watches), by method (GET/PUT etc.).',
    labelNames: ['method'],
    buckets: exponentialBuckets(0.0005, 2, 13),
  },
} satisfies Record<string, Options>;

/**
 * etcdserver/api/v2store/metrics.go. etcd 3.4 declares `reads_failed_total` and
 * `writes_failed_total` too but never registers them (its `init` returns after the first
 * registration), so its `/metrics` does not show them; neither does edgecd's.
 */
export const STORE = {
  reads: {
    name: 'etcd_debugging_store_reads_total',
    help: 'Total number of reads action by (get/getRecursive), local to this member.',
    labelNames: ['action'],
  },
  writes: {
    name: 'etcd_debugging_store_writes_total',
    help: 'Total number of writes (e.g. set/compareAndDelete) seen by this member.',
    labelNames: ['action'],
  },
  expires: { name: 'etcd_debugging_store_expires_total', help: 'Total number of expired keys.' },
  watchRequests: { name: 'etcd_debugging_store_watch_requests_total', help: 'Total number of incoming watch requests (new or reestablished).' },
  watchers: { name: 'etcd_debugging_store_watchers', help: 'Count of currently active watchers.' },
} satisfies Record<string, Options>;

/** wal/metrics.go and mvcc/backend/metrics.go */
export const DISK = {
  walFsync: {
    name: 'etcd_disk_wal_fsync_duration_seconds',
    help: 'The latency distributions of fsync called by WAL.',
    buckets: exponentialBuckets(0.001, 2, 14),
  },
  // A gauge in etcd, though it only grows.
  walWriteBytes: { name: 'etcd_disk_wal_write_bytes_total', help: 'Total number of bytes written in WAL.' },
  backendCommit: {
    name: 'etcd_disk_backend_commit_duration_seconds',
    help: 'The latency distributions of commit called by backend.',
    buckets: exponentialBuckets(0.001, 2, 14),
  },
} satisfies Record<string, Options>;

/** etcdserver/api/rafthttp/metrics.go; peers are named by member ID, as etcd does. */
export const NETWORK = {
  peerRoundTrip: {
    name: 'etcd_network_peer_round_trip_time_seconds',
    help: 'Round-Trip-Time histogram between peers',
    labelNames: ['To'],
    buckets: exponentialBuckets(0.0001, 2, 16),
  },
  peerSentFailures: { name: 'etcd_network_peer_sent_failures_total', help: 'The total number of send failures from peers.', labelNames: ['To'] },
  peerReceivedBytes: { name: 'etcd_network_peer_received_bytes_total', help: 'The total number of bytes received from peers.', labelNames: ['From'] },
} satisfies Record<string, Options>;

/** client_golang's process collector: the one of its values that means something for an object. */
export const PROCESS = {
  startTime: { name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.' },
} satisfies Record<string, Options>;
