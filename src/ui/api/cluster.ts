import { parseText, type ParsedSample } from '../../metrics/index.ts';
import { json, plainRequest, request } from './http.ts';

export type Role = 'leader' | 'follower' | 'no leader' | 'unreachable' | 'unstarted';

/** One member as the console shows it. */
export interface MemberView {
  id: string;
  name: string;
  clientURLs: string[];
  peerURLs: string[];
  role: Role;
  ready: boolean;
  term?: number;
  commit?: number;
  applied?: number;
  /** The leader's latest round trip to this member, ms (`/v2/stats/leader`). */
  latencyMs?: number;
  averageLatencyMs?: number;
  /** Its v3 store's revision and last compaction (`etcd_debugging_mvcc_*_revision`). */
  revision?: number;
  compactRevision?: number;
}

/** The v3 store as one member's etcd_mvcc_* metrics show it. */
export interface V3StoreView {
  member: string;
  counters: { name: string; value: number }[];
}

/** What the v3 store panel shows, in order: its label and the metric it reads. */
export const V3_STORE_METRICS: [label: string, metric: string][] = [
  ['revision', 'etcd_debugging_mvcc_current_revision'],
  ['compacted at', 'etcd_debugging_mvcc_compact_revision'],
  ['keys', 'etcd_debugging_mvcc_keys_total'],
  ['db bytes', 'etcd_mvcc_db_total_size_in_bytes'],
  ['watch streams', 'etcd_debugging_mvcc_watch_stream_total'],
  ['watchers', 'etcd_debugging_mvcc_watcher_total'],
  ['slow watchers', 'etcd_debugging_mvcc_slow_watcher_total'],
  ['events sent', 'etcd_debugging_mvcc_events_total'],
  ['ranges', 'etcd_mvcc_range_total'],
  ['puts', 'etcd_mvcc_put_total'],
  ['deletes', 'etcd_mvcc_delete_total'],
  ['txns', 'etcd_mvcc_txn_total'],
];

export interface ClusterView {
  members: MemberView[];
  clusterId: string;
  store: Record<string, number>;
  /** The leader's v3 store (the member the front door sends requests to), if one leads. */
  v3: V3StoreView | undefined;
}

interface MembersJSON {
  members: { id: string; name: string; peerURLs: string[]; clientURLs: string[] }[];
}

interface LeaderStatsJSON {
  leader: string;
  followers: Record<string, { latency: { current: number; average: number } }>;
}

/**
 * The cluster's state from the routes an operator has: `/v2/members` (who), the front door's
 * `/metrics` (every member's role, term, indexes and v3 revisions, labeled `member`, and the
 * leader's etcd_mvcc_* counters), `/v2/stats/leader` (peer latency) and `/v2/stats/store`.
 * Asked again on each refresh.
 */
export async function fetchCluster(): Promise<ClusterView> {
  const [membersResponse, metricsText, leaderStats, store] = await Promise.all([
    request('/v2/members'),
    plainRequest('/metrics').then((r) => (r.ok ? r.text() : '')),
    request('/v2/stats/leader').then((r) => (r.ok ? (r.json() as Promise<LeaderStatsJSON>) : undefined)).catch(() => undefined),
    request('/v2/stats/store').then((r) => json<Record<string, number>>(r)).catch(() => ({})),
  ]);
  const clusterId = membersResponse.headers.get('X-Etcd-Cluster-Id') ?? '';
  const members = (await json<MembersJSON>(membersResponse)).members;
  const samples = parseText(metricsText);
  const views = memberViews(members, samples, leaderStats);
  return { members: views, clusterId, store, v3: v3StoreView(views, samples) };
}

/** The leader's etcd_mvcc_* readings, the ones `V3_STORE_METRICS` names, in its order. */
export function v3StoreView(members: readonly MemberView[], samples: readonly ParsedSample[]): V3StoreView | undefined {
  const leader = members.find((m) => m.role === 'leader');
  if (leader === undefined) return undefined;
  const counters = V3_STORE_METRICS.flatMap(([label, metric]) => {
    const found = samples.find((s) => s.name === metric && s.labels.member === leader.name);
    return found === undefined ? [] : [{ name: label, value: found.value }];
  });
  return { member: leader.name, counters };
}

/** Joins the three sources by member: metrics are labeled by name, latency keyed by ID. */
export function memberViews(members: MembersJSON['members'], samples: readonly ParsedSample[], leaderStats: LeaderStatsJSON | undefined): MemberView[] {
  const value = (metric: string, member: string): number | undefined => samples.find((s) => s.name === metric && s.labels.member === member)?.value;
  return [...members]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((m) => {
      const view: MemberView = { id: m.id, name: m.name, clientURLs: m.clientURLs, peerURLs: m.peerURLs, role: 'unstarted', ready: false };
      if (m.name === '') return view;
      const up = value('edgecd_member_up', m.name);
      if (up !== 1) return { ...view, role: 'unreachable' };
      view.ready = value('edgecd_member_ready', m.name) === 1;
      view.role = value('etcd_server_is_leader', m.name) === 1 ? 'leader' : value('etcd_server_has_leader', m.name) === 1 ? 'follower' : 'no leader';
      const term = value('edgecd_raft_term', m.name);
      const commit = value('etcd_server_proposals_committed_total', m.name);
      const applied = value('etcd_server_proposals_applied_total', m.name);
      if (term !== undefined) view.term = term;
      if (commit !== undefined) view.commit = commit;
      if (applied !== undefined) view.applied = applied;
      const revision = value('etcd_debugging_mvcc_current_revision', m.name);
      const compactRevision = value('etcd_debugging_mvcc_compact_revision', m.name);
      if (revision !== undefined) view.revision = revision;
      if (compactRevision !== undefined) view.compactRevision = compactRevision;
      const follower = leaderStats?.followers[m.id];
      if (follower !== undefined && follower.latency.current > 0) {
        view.latencyMs = follower.latency.current;
        view.averageLatencyMs = follower.latency.average;
      }
      return view;
    });
}
