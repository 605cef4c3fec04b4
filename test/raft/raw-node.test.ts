import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  ProposalDroppedError,
  RaftInvariantError,
  StepLocalMsgError,
  message,
  type Message,
} from '../../src/raft/index.ts';
import { Cluster, newRawNode } from './cluster.ts';

const ids = ['1', '2', '3'];

function elect(c: Cluster, id = '1'): void {
  c.get(id).node.campaign();
  c.stabilize();
}

describe('RawNode: the Ready contract', () => {
  it('vote requests and grants wait for the persist; a leader\'s appends of a durable term may go early (thesis §10.2.1)', () => {
    const c = new Cluster(ids);
    const n1 = c.get('1').node;
    n1.campaign();
    let rd = n1.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: '1', commit: 0 });
    expect(rd.messages).toEqual([]);
    expect(rd.messagesAfterPersist.map((m) => m.type)).toEqual(['MsgVote', 'MsgVote']);
    c.storageWrite('1', rd);
    n1.advance(rd);
    c.send(rd.messagesAfterPersist);
    c.deliverAll();
    const rd2 = c.get('2').node.ready();
    expect(rd2.messages).toEqual([]);
    expect(rd2.messagesAfterPersist.map((m) => m.type)).toEqual(['MsgVoteResp']);
    c.storageWrite('2', rd2);
    c.get('2').node.advance(rd2);
    n1.step(rd2.messagesAfterPersist[0] as Message);
    rd = n1.ready();
    expect(rd.softState?.raftState).toBe('StateLeader');
    expect(rd.entries.length).toBe(1);
    expect(rd.messages.map((m) => m.type)).toEqual(['MsgApp', 'MsgApp']);
    expect(rd.messagesAfterPersist).toEqual([]);
  });

  it('a follower\'s append acknowledgements wait for its persist', () => {
    const c = new Cluster(ids);
    elect(c);
    c.get('1').node.propose('x');
    c.processReady('1');
    c.deliverAll();
    const rd = c.get('2').node.ready();
    expect(rd.entries.map((e) => e.data)).toEqual(['x']);
    expect(rd.mustSync).toBe(true);
    expect(rd.messages).toEqual([]);
    expect(rd.messagesAfterPersist.map((m) => m.type)).toEqual(['MsgAppResp']);
  });

  it('refuses ready() twice without advance()', () => {
    const c = new Cluster(ids);
    const n = c.get('1').node;
    n.campaign();
    n.ready();
    expect(() => n.ready()).toThrow(RaftInvariantError);
  });

  it('refuses local message types from peers', () => {
    const n = newRawNode('1', new MemoryStorage({ voters: ids, learners: [] }));
    expect(() => n.step(message({ type: 'MsgHup', from: '2', to: '1' }))).toThrow(StepLocalMsgError);
  });

  it('drops responses from nodes outside the configuration', () => {
    const c = new Cluster(ids);
    elect(c);
    c.get('1').node.step(message({ type: 'MsgAppResp', from: '9', to: '1', term: 1, index: 100 }));
    expect(c.get('1').node.status().commit).toBe(1);
  });

  it('throws ProposalDroppedError with no leader, and drops a forwarded proposal silently', () => {
    const n = newRawNode('1', new MemoryStorage({ voters: ids, learners: [] }));
    expect(() => n.propose('x')).toThrow(ProposalDroppedError);
    const c = new Cluster(ids);
    elect(c);
    c.get('1').node.transferLeader('2');
    // A proposal forwarded by a follower while the leader is transferring: dropped, no throw.
    expect(() => c.get('1').node.step(message({ type: 'MsgProp', from: '3', to: '1', entries: [{ term: 0, index: 0, type: 'normal', data: 'y' }] }))).not.toThrow();
  });

  it('caps the uncommitted log size (maxUncommittedEntriesSize)', () => {
    const c = new Cluster(ids, { maxUncommittedEntriesSize: 10 });
    elect(c);
    c.isolate('1');
    const n = c.get('1').node;
    n.propose('12345678');
    expect(() => n.propose('12345678')).toThrow(ProposalDroppedError);
    c.heal();
    c.tickAll();
    c.stabilize();
    n.propose('12345678');
  });

  it('restarts from storage: hard state, log and applied index survive', () => {
    const c = new Cluster(ids);
    elect(c);
    c.get('1').node.propose('a');
    c.get('1').node.propose('b');
    c.stabilize();
    const st = c.get('2').storage;
    const restarted = newRawNode('2', st, { applied: 2 });
    const s = restarted.status();
    expect(s.term).toBe(1);
    expect(s.commit).toBe(3);
    expect(s.raftState).toBe('StateFollower');
    const rd = restarted.ready();
    expect(rd.committedEntries.map((e) => e.data)).toEqual(['b']);
  });

  it('status reports the leader\'s view of every follower', () => {
    const c = new Cluster(ids);
    elect(c);
    const s = c.get('1').node.status();
    expect(s.raftState).toBe('StateLeader');
    expect(Object.keys(s.progress ?? {})).toEqual(ids);
    expect(s.progress?.['2']).toMatchObject({ match: 1, next: 2, state: 'StateReplicate' });
    expect(c.get('2').node.status().progress).toBeUndefined();
  });

  it('a burst of proposals leaves as one MsgApp per follower (group commit)', () => {
    const c = new Cluster(ids);
    elect(c);
    for (let i = 0; i < 50; i++) c.get('1').node.propose(`p${i}`);
    const rd = c.get('1').node.ready();
    const apps = rd.messages.filter((m) => m.type === 'MsgApp');
    expect(apps.length).toBe(2);
    expect(apps.every((m) => m.entries.length === 50)).toBe(true);
  });

  it('respects maxSizePerMsg: a burst is split, and the inflight window caps what is out', () => {
    const c = new Cluster(ids, { maxSizePerMsg: 10, maxInflightMsgs: 3 });
    elect(c);
    for (let i = 0; i < 20; i++) c.get('1').node.propose('12345');
    const rd = c.get('1').node.ready();
    const to2 = rd.messages.filter((m) => m.type === 'MsgApp' && m.to === '2');
    expect(to2.length).toBe(3);
    expect(to2.every((m) => m.entries.length === 2)).toBe(true);
  });
});

describe('thesis extensions', () => {
  it('§9.6 PreVote: a partitioned node does not raise its term, and does not disrupt on return', () => {
    const c = new Cluster(ids, { preVote: true });
    elect(c);
    c.isolate('3');
    c.get('1').node.propose('x');
    c.stabilize();
    for (let i = 0; i < 50; i++) {
      c.tick('3');
      c.stabilize();
    }
    expect(c.get('3').node.status().term).toBe(1);
    c.heal();
    for (let i = 0; i < 30; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.get('1').node.status()).toMatchObject({ raftState: 'StateLeader', term: 1 });
    expect(c.appliedData('3')).toEqual(['x']);
  });

  it('§6.2 CheckQuorum: a leader that loses its quorum steps down', () => {
    const c = new Cluster(ids, { checkQuorum: true });
    elect(c);
    c.isolate('1');
    for (let i = 0; i < 25; i++) c.tick('1');
    expect(c.get('1').node.status().raftState).toBe('StateFollower');
  });

  it('§4.2.3 with CheckQuorum, a follower in its leader lease ignores vote requests', () => {
    const c = new Cluster(ids, { checkQuorum: true });
    elect(c);
    c.get('3').node.campaign();
    c.stabilize();
    expect(c.get('1').node.status().raftState).toBe('StateLeader');
    expect(c.get('2').node.status().lead).toBe('1');
  });

  it('§6.4 ReadIndex: the read point is the commit index, after a heartbeat round; a single node answers at once', () => {
    const c = new Cluster(ids);
    elect(c);
    c.get('1').node.propose('x');
    c.stabilize();
    c.get('1').node.readIndex('r1');
    const rd = c.processReady('1');
    expect(rd?.readStates).toEqual([]);
    c.stabilize();
    expect(c.get('1').readStates).toEqual([{ index: 2, requestCtx: 'r1' }]);
    // A follower's request is forwarded to the leader and answered back.
    c.get('3').node.readIndex('r3');
    c.stabilize();
    expect(c.get('3').readStates).toEqual([{ index: 2, requestCtx: 'r3' }]);
    const solo = new Cluster(['9']);
    solo.get('9').node.campaign();
    solo.stabilize();
    solo.get('9').node.readIndex('s');
    expect(solo.processReady('9')?.readStates).toEqual([{ index: 1, requestCtx: 's' }]);
  });

  it('§3.10 leader transfer hands leadership to an up-to-date follower', () => {
    const c = new Cluster(ids, { checkQuorum: true, preVote: true });
    elect(c);
    c.get('1').node.transferLeader('3');
    c.stabilize();
    expect(c.get('3').node.status().raftState).toBe('StateLeader');
    expect(c.get('1').node.status().lead).toBe('3');
  });

  it('§4.2.1 learners receive the log but do not vote or count towards commitment', () => {
    const c = new Cluster(['1', '2']);
    elect(c);
    c.add('3', new MemoryStorage());
    c.get('1').node.proposeConfChange({ type: 'addLearnerNode', nodeId: '3' });
    c.stabilize();
    expect(c.get('1').node.status().config).toEqual({ voters: ['1', '2'], learners: ['3'] });
    c.isolate('2');
    c.get('1').node.propose('needs 2');
    c.stabilize();
    expect(c.get('3').node.raft.raftLog.lastIndex()).toBe(c.get('1').node.raft.raftLog.lastIndex());
    expect(c.appliedData('1')).toEqual([]);
    c.heal();
    c.tickAll();
    c.stabilize();
    expect(c.appliedData('3')).toEqual(['needs 2']);
    // A learner never campaigns.
    c.get('3').node.campaign();
    expect(c.get('3').node.status().raftState).toBe('StateFollower');
  });
});
