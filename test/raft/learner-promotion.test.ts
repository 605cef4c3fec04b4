import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/raft/index.ts';
import { Cluster } from './cluster.ts';

/**
 * Learners (thesis §4.2.1) as etcd's server uses them: a member added as a learner
 * (ConfChangeAddLearnerNode) is promoted by an AddNode of the same ID once it has caught up
 * (etcd's `PromoteMember`), and a leader transfer (thesis §3.10) never goes to a learner
 * (raft.go stepLeader: "is learner. Ignored transferring leadership").
 */
function withLearner(): Cluster {
  const c = new Cluster(['1', '2']);
  c.get('1').node.campaign();
  c.stabilize();
  // Node 3 starts knowing the configuration it joins (as a new etcd member learns it from the
  // leader's snapshot or the log's first entries); the log then makes it a learner.
  c.add('3', new MemoryStorage({ voters: ['1', '2'], learners: ['3'] }));
  c.get('1').node.proposeConfChange({ type: 'addLearnerNode', nodeId: '3' });
  c.stabilize();
  return c;
}

describe('promoting a learner', () => {
  it('an AddNode of an existing learner makes it a voter on every member, keeping its progress', () => {
    const c = withLearner();
    c.get('1').node.propose('before');
    c.stabilize();
    const matchBefore = c.get('1').node.status().progress!['3']!.match;
    expect(c.get('1').node.status().progress!['3']!.isLearner).toBe(true);

    c.get('1').node.proposeConfChange({ type: 'addNode', nodeId: '3' });
    c.stabilize();
    for (const id of ['1', '2', '3']) expect(c.get(id).node.status().config).toEqual({ voters: ['1', '2', '3'], learners: [] });
    const progress = c.get('1').node.status().progress!['3']!;
    expect(progress.isLearner).toBe(false);
    // The same Progress, not a fresh probe from scratch: it is still caught up.
    expect(progress.match).toBeGreaterThanOrEqual(matchBefore);
    expect(progress.match).toBe(c.get('1').node.status().lastIndex);
  });

  it('a promoted learner counts towards commitment: with it, two of three commit without the other voter', () => {
    const c = withLearner();
    c.get('1').node.proposeConfChange({ type: 'addNode', nodeId: '3' });
    c.stabilize();
    c.isolate('2');
    c.get('1').node.propose('needs 3 now');
    c.stabilize();
    expect(c.appliedData('1')).toEqual(['needs 3 now']);
  });

  it('a promoted learner may campaign and win (a learner never does)', () => {
    const c = withLearner();
    c.get('3').node.campaign();
    c.stabilize();
    expect(c.get('3').node.status().raftState).toBe('StateFollower');
    c.get('1').node.proposeConfChange({ type: 'addNode', nodeId: '3' });
    c.stabilize();
    c.get('3').node.campaign();
    c.stabilize();
    expect(c.leader()).toBe('3');
  });
});

describe('leader transfer and learners', () => {
  it('a transfer to a learner is ignored: no TimeoutNow, the leader keeps leading and accepting proposals', () => {
    const c = withLearner();
    c.get('1').node.transferLeader('3');
    expect(c.get('1').node.status().leadTransferee).toBe('');
    c.stabilize();
    expect(c.leader()).toBe('1');
    c.get('1').node.propose('still accepted');
    c.stabilize();
    expect(c.appliedData('1')).toEqual(['still accepted']);
  });

  it('a transfer to the promoted learner hands it leadership', () => {
    const c = withLearner();
    c.get('1').node.proposeConfChange({ type: 'addNode', nodeId: '3' });
    c.stabilize();
    c.get('1').node.transferLeader('3');
    c.stabilize();
    expect(c.leader()).toBe('3');
    expect(c.get('1').node.status().lead).toBe('3');
  });
});
