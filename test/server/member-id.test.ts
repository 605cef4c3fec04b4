import { describe, expect, it } from 'vitest';
import { compareIds, computeClusterId, computeMemberId, formatId } from '../../src/server/index.ts';

// Recorded from a real etcd 3.4.23 cluster started with
// --initial-cluster node1=http://127.0.0.1:15201,node2=...:15202,node3=...:15203
// --initial-cluster-token docker-etcd
const REAL = {
  node1: '17baf81334f68d68',
  node2: '46ea334457d20b19',
  node3: '9e5cfaeb1aa59b78',
  cluster: '4d88cb702d17ce2d',
};

describe('member and cluster IDs', () => {
  it('derives a member ID from its peer URLs and the cluster token exactly as etcd does', () => {
    expect(computeMemberId(['http://127.0.0.1:15201'], 'docker-etcd')).toBe(REAL.node1);
    expect(computeMemberId(['http://127.0.0.1:15202'], 'docker-etcd')).toBe(REAL.node2);
    expect(computeMemberId(['http://127.0.0.1:15203'], 'docker-etcd')).toBe(REAL.node3);
  });

  it('derives the cluster ID from the member IDs exactly as etcd does, whatever their order', () => {
    expect(computeClusterId([REAL.node3, REAL.node1, REAL.node2])).toBe(REAL.cluster);
  });

  it('gives a member added at run time a different ID for another second', () => {
    const a = computeMemberId(['http://node2:2380'], 'edgecd', 1_700_000_000);
    const b = computeMemberId(['http://node2:2380'], 'edgecd', 1_700_000_001);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f]{1,16}$/);
  });

  it('prints IDs without leading zeros and orders them as unsigned 64-bit numbers', () => {
    expect(formatId('00000000000000ab')).toBe('ab');
    expect(compareIds('ff', '100')).toBe(-1);
    expect(compareIds('9e5cfaeb1aa59b78', '17baf81334f68d68')).toBe(1);
  });
});
