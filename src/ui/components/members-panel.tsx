import type { ClusterView, MemberView, V3StoreView } from '../api/cluster.ts';

const ms = (v: number | undefined): string => (v === undefined ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(0));

/** The members: role, Raft term, commit and applied indexes, v3 revision, readiness, the leader's latency to each. */
export function MembersPanel({ cluster, error }: { cluster: ClusterView | undefined; error: string | undefined }) {
  return (
    <section class="panel members">
      <h2>Members {cluster !== undefined && <span class="muted">cluster {cluster.clusterId}</span>}</h2>
      {error !== undefined && <p class="error">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>name</th>
            <th>role</th>
            <th>term</th>
            <th>commit</th>
            <th>applied</th>
            <th title="its v3 store's revision (etcd_debugging_mvcc_current_revision)">v3 rev</th>
            <th title="the leader's last round trip to this member">latency ms</th>
            <th>client URLs</th>
          </tr>
        </thead>
        <tbody>
          {(cluster?.members ?? []).map((m) => (
            <MemberRow member={m} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function MemberRow({ member: m }: { member: MemberView }) {
  return (
    <tr data-member={m.name || m.id} data-role={m.role} data-term={m.term ?? ''}>
      <td>
        <strong>{m.name || '(unstarted)'}</strong>
        <div class="muted mono">{m.id}</div>
      </td>
      <td>
        <span class={`badge ${m.role.replace(' ', '-')}`}>{m.role}</span>
        {m.role !== 'unreachable' && m.role !== 'unstarted' && !m.ready && <span class="badge no-leader">not ready</span>}
      </td>
      <td class="num">{m.term ?? '–'}</td>
      <td class="num">{m.commit ?? '–'}</td>
      <td class="num">{m.applied ?? '–'}</td>
      <td class="num" data-v3-revision={m.revision ?? ''}>{m.revision ?? '–'}</td>
      <td class="num" title={m.averageLatencyMs === undefined ? '' : `average ${ms(m.averageLatencyMs)} ms`}>
        {m.role === 'leader' ? 'leader' : ms(m.latencyMs)}
      </td>
      <td class="mono">{m.clientURLs.join(', ')}</td>
    </tr>
  );
}

/** `/v2/stats/store`: the v2 store's operation counters. */
export function StoreStatsPanel({ store }: { store: Record<string, number> | undefined }) {
  const entries = Object.entries(store ?? {});
  return (
    <section class="panel stats">
      <h2>v2 store</h2>
      <dl class="counters">
        {entries.map(([name, value]) => (
          <>
            <dt>{name}</dt>
            <dd class="num">{value}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

/** The leader's v3 store, from its etcd_mvcc_* metrics: revision, compaction, keys, size, watches, operations. */
export function V3StorePanel({ v3 }: { v3: V3StoreView | undefined }) {
  return (
    <section class="panel stats" data-panel="v3-store">
      <h2>v3 store {v3 !== undefined && <span class="muted">{v3.member}</span>}</h2>
      <dl class="counters">
        {(v3?.counters ?? []).map(({ name, value }) => (
          <>
            <dt>{name}</dt>
            <dd class="num" data-counter={name}>
              {value}
            </dd>
          </>
        ))}
      </dl>
    </section>
  );
}
