import { describe, expect, it } from 'vitest';
import { parseText } from '../../src/metrics/index.ts';
import { memberViews, v3StoreView } from '../../src/ui/api/cluster.ts';

const members = [
  { id: 'b2', name: 'node2', peerURLs: ['http://node2:2380'], clientURLs: ['http://127.0.0.1:32379'] },
  { id: 'a1', name: 'node1', peerURLs: ['http://node1:2380'], clientURLs: ['http://127.0.0.1:22379'] },
  { id: 'c3', name: 'node3', peerURLs: ['http://node3:2380'], clientURLs: [] },
  { id: 'd4', name: '', peerURLs: ['http://node4:2380'], clientURLs: [] },
];

const metrics = parseText(
  [
    'edgecd_member_up{member="node1"} 1',
    'edgecd_member_up{member="node2"} 1',
    'edgecd_member_up{member="node3"} 0',
    'edgecd_member_ready{member="node1"} 1',
    'edgecd_member_ready{member="node2"} 1',
    'etcd_server_is_leader{member="node1"} 1',
    'etcd_server_is_leader{member="node2"} 0',
    'etcd_server_has_leader{member="node1"} 1',
    'etcd_server_has_leader{member="node2"} 1',
    'edgecd_raft_term{member="node1"} 4',
    'etcd_server_proposals_committed_total{member="node2"} 40',
    'etcd_server_proposals_applied_total{member="node2"} 39',
    'etcd_debugging_mvcc_current_revision{member="node1"} 12',
    'etcd_debugging_mvcc_current_revision{member="node2"} 11',
    'etcd_debugging_mvcc_compact_revision{member="node1"} -1',
    'etcd_mvcc_put_total{member="node1"} 30',
    'etcd_mvcc_put_total{member="node2"} 29',
  ].join('\n'),
);

describe("the console's members table", () => {
  it('joins /v2/members, the front door\'s metrics and the leader\'s stats member by member', () => {
    const views = memberViews(members, metrics, { leader: 'a1', followers: { b2: { latency: { current: 1.5, average: 2 } } } });
    expect(views.map((v) => [v.name, v.role])).toEqual([
      ['', 'unstarted'],
      ['node1', 'leader'],
      ['node2', 'follower'],
      ['node3', 'unreachable'],
    ]);
    expect(views[1]).toMatchObject({ term: 4, ready: true });
    expect(views[2]).toMatchObject({ commit: 40, applied: 39, latencyMs: 1.5, averageLatencyMs: 2 });
  });

  it("shows each member's v3 revision and the leader's v3 store counters", () => {
    const views = memberViews(members, metrics, undefined);
    expect(views.map((v) => [v.name, v.revision, v.compactRevision])).toEqual([
      ['', undefined, undefined],
      ['node1', 12, -1],
      ['node2', 11, undefined],
      ['node3', undefined, undefined],
    ]);
    expect(v3StoreView(views, metrics)).toEqual({
      member: 'node1',
      counters: [
        { name: 'revision', value: 12 },
        { name: 'compacted at', value: -1 },
        { name: 'puts', value: 30 },
      ],
    });
  });
});
