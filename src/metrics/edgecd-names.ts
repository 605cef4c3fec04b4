import type { MetricOptions } from './metric.ts';

/** What edgecd shows that etcd has no metric for. */
export const EDGECD = {
  memberReady: {
    name: 'edgecd_member_ready',
    help: "Whether this member has published its name and client URLs through Raft and serves client requests (etcd's ReadyNotify). 1 if it has.",
  },
  requestsHeld: {
    name: 'edgecd_client_requests_held_total',
    help: 'Client requests that arrived before this member was ready and waited until it was (or timed out).',
  },
  raftTerm: { name: 'edgecd_raft_term', help: 'The Raft term this member is in.' },
  v2StoreBytes: {
    name: 'edgecd_v2_store_size_bytes',
    help: 'Approximate bytes the v2 store holds in memory: what --quota-backend-bytes is compared with.',
  },
  sqliteBytes: { name: 'edgecd_sqlite_database_size_bytes', help: "Size of this member's SQLite database (its Durable Object storage) in bytes." },
  memberUp: {
    name: 'edgecd_member_up',
    help: 'Whether the front door reached this member when it gathered the metrics. 1 if it did.',
    labelNames: ['member'],
  },
} satisfies Record<string, MetricOptions>;
