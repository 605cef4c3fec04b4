import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  ProposalDroppedError,
  RawNode,
  message,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
} from '../../src/raft/index.ts';
import { Cluster, newRawNode, seededRandom, type NodeOptions } from './cluster.ts';

/**
 * One test per rule of the Raft paper ("In Search of an Understandable Consensus Algorithm",
 * extended version), after etcd's raft_paper_test.go. Nodes are driven directly and their queued
 * messages inspected, so each test shows exactly one rule.
 */

const ids = ['1', '2', '3'];

function node(id: string, opts: NodeOptions & { peers?: string[]; entries?: Entry[]; hardState?: HardState } = {}): RawNode {
  const storage = new MemoryStorage({ voters: opts.peers ?? ids, learners: [] });
  if (opts.entries !== undefined) storage.append(opts.entries);
  if (opts.hardState !== undefined) storage.setHardState(opts.hardState);
  return newRawNode(id, storage, opts);
}

/** The messages a node queued since last asked, without running a Ready. */
function take(n: RawNode): Message[] {
  n.raft.flushAppends();
  const msgs = n.raft.msgs;
  n.raft.msgs = [];
  return msgs;
}

function ent(index: number, term: number, data = ''): Entry {
  return { index, term, type: 'normal', data };
}

function msg(type: MessageType, from: string, to: string, term: number, fields: Partial<Message> = {}): Message {
  return message({ type, from, to, term, ...fields });
}

/** Makes n the leader of its term with all followers caught up, and clears its outbox. */
function becomeLeader(n: RawNode): void {
  n.raft.becomeCandidate();
  n.raft.becomeLeader();
  take(n);
}

/** Commits the leader's no-op by acknowledging it from every follower. */
function commitNoop(n: RawNode): void {
  const last = n.raft.raftLog.lastIndex();
  for (const id of ids) if (id !== n.raft.id) n.step(msg('MsgAppResp', id, n.raft.id, n.raft.term, { index: last }));
  take(n);
}

describe('§5.1 terms', () => {
  it('a follower, candidate or leader seeing a higher term updates its term and becomes follower', () => {
    for (const role of ['follower', 'candidate', 'leader'] as const) {
      const n = node('1');
      if (role === 'candidate') n.raft.becomeCandidate();
      if (role === 'leader') becomeLeader(n);
      n.step(msg('MsgApp', '2', '1', 5));
      expect(n.raft.term).toBe(5);
      expect(n.raft.state).toBe('StateFollower');
      expect(n.raft.lead).toBe('2');
    }
  });

  it('a request with a stale term is rejected (ignored, without checkQuorum/preVote)', () => {
    const n = node('1', { hardState: { term: 2, vote: '', commit: 0 } });
    n.step(msg('MsgApp', '2', '1', 1, { entries: [ent(1, 1, 'x')] }));
    expect(n.raft.raftLog.lastIndex()).toBe(0);
    expect(take(n)).toEqual([]);
  });
});

describe('§5.2 leader election', () => {
  it('servers start up as followers', () => {
    const n = node('1');
    expect(n.raft.state).toBe('StateFollower');
  });

  it('a leader sends heartbeats to every follower each heartbeat interval', () => {
    const n = node('1', { heartbeatTick: 1 });
    becomeLeader(n);
    n.tick();
    const hb = take(n).filter((m) => m.type === 'MsgHeartbeat');
    expect(hb.map((m) => m.to).sort()).toEqual(['2', '3']);
    expect(hb.every((m) => m.term === n.raft.term)).toBe(true);
  });

  it('a follower that hears nothing for an election timeout becomes candidate: new term, votes for itself, asks everyone', () => {
    const n = node('1');
    for (let i = 0; i < 2 * n.raft.electionTimeout; i++) n.tick();
    expect(n.raft.state).toBe('StateCandidate');
    expect(n.raft.term).toBe(1);
    expect(n.raft.vote).toBe('1');
    const votes = take(n);
    expect(votes.map((m) => `${m.type}->${m.to}@${m.term}`).sort()).toEqual(['MsgVote->2@1', 'MsgVote->3@1']);
  });

  it('a candidate whose election times out without a winner starts a new election in the next term', () => {
    const n = node('1');
    n.campaign();
    take(n);
    for (let i = 0; i < 2 * n.raft.electionTimeout; i++) n.tick();
    expect(n.raft.state).toBe('StateCandidate');
    expect(n.raft.term).toBe(2);
  });

  it('a candidate wins with votes from a majority, loses to a majority of rejections, else waits', () => {
    const cases: { size: number; votes: Record<string, boolean>; want: string }[] = [
      { size: 1, votes: {}, want: 'StateLeader' },
      { size: 3, votes: { '2': true, '3': true }, want: 'StateLeader' },
      { size: 3, votes: { '2': true }, want: 'StateLeader' },
      { size: 5, votes: { '2': true, '3': true, '4': true, '5': true }, want: 'StateLeader' },
      { size: 5, votes: { '2': true, '3': true }, want: 'StateLeader' },
      { size: 3, votes: {}, want: 'StateCandidate' },
      { size: 5, votes: { '2': true }, want: 'StateCandidate' },
      { size: 5, votes: { '2': false, '3': false }, want: 'StateCandidate' },
      { size: 3, votes: { '2': false, '3': false }, want: 'StateFollower' },
      { size: 5, votes: { '2': false, '3': false, '4': false }, want: 'StateFollower' },
    ];
    for (const c of cases) {
      const peers = Array.from({ length: c.size }, (_, i) => String(i + 1));
      const n = node('1', { peers });
      n.campaign();
      for (const [from, granted] of Object.entries(c.votes)) n.step(msg('MsgVoteResp', from, '1', 1, { reject: !granted }));
      expect(n.raft.state, JSON.stringify(c)).toBe(c.want);
    }
  });

  it('each server votes for at most one candidate per term, first come first served', () => {
    const cases: { vote: string; from: string; reject: boolean }[] = [
      { vote: '', from: '2', reject: false },
      { vote: '', from: '3', reject: false },
      { vote: '2', from: '2', reject: false },
      { vote: '3', from: '3', reject: false },
      { vote: '2', from: '3', reject: true },
      { vote: '3', from: '2', reject: true },
    ];
    for (const c of cases) {
      const n = node('1', { hardState: { term: 1, vote: c.vote, commit: 0 } });
      n.step(msg('MsgVote', c.from, '1', 1));
      expect(take(n)).toEqual([msg('MsgVoteResp', '1', c.from, 1, { reject: c.reject })]);
    }
  });

  it('a candidate receiving AppendEntries from a leader of its term or later returns to follower', () => {
    for (const term of [1, 2]) {
      const n = node('1');
      n.campaign();
      n.step(msg('MsgApp', '2', '1', term));
      expect(n.raft.state).toBe('StateFollower');
      expect(n.raft.term).toBe(term);
    }
  });

  it('election timeouts are chosen randomly from [electionTimeout, 2·electionTimeout)', () => {
    const n = node('1', { random: seededRandom(7) });
    const seen = new Set<number>();
    for (let round = 0; round < 200; round++) {
      n.raft.becomeFollower(n.raft.term + 1, '');
      let time = 0;
      while (take(n).length === 0) {
        n.tick();
        time++;
      }
      seen.add(time);
    }
    const et = n.raft.electionTimeout;
    for (let t = et; t < 2 * et; t++) expect(seen.has(t), `timeout ${t}`).toBe(true);
    for (const t of seen) expect(t >= et && t < 2 * et).toBe(true);
  });

  it('randomized timeouts make split votes rare: in most rounds one follower times out alone', () => {
    let conflicts = 0;
    const rounds = 200;
    const nodes = ids.map((id, i) => node(id, { random: seededRandom(100 + i) }));
    for (let round = 0; round < rounds; round++) {
      for (const n of nodes) n.raft.becomeFollower(n.raft.term + 1, '');
      let timedOut = 0;
      while (timedOut === 0) {
        for (const n of nodes) {
          n.tick();
          if (take(n).length > 0) timedOut++;
        }
      }
      if (timedOut > 1) conflicts++;
    }
    expect(conflicts / rounds).toBeLessThanOrEqual(0.3);
  });
});

describe('§5.3 log replication', () => {
  it('the leader appends a proposal to its log and sends AppendEntries to every follower', () => {
    const n = node('1');
    becomeLeader(n);
    commitNoop(n);
    n.propose('some data');
    const msgs = take(n).sort((a, b) => a.to.localeCompare(b.to));
    expect(msgs.map((m) => ({ to: m.to, type: m.type, index: m.index, logTerm: m.logTerm, entries: m.entries, commit: m.commit }))).toEqual(
      ['2', '3'].map((to) => ({ to, type: 'MsgApp', index: 1, logTerm: 1, entries: [ent(2, 1, 'some data')], commit: 1 })),
    );
    expect(n.raft.raftLog.unstableEntries()).toEqual([ent(1, 1), ent(2, 1, 'some data')]);
  });

  it('an entry is committed once the leader has replicated it on a majority, and later AppendEntries carry the commit index', () => {
    const n = node('1');
    becomeLeader(n);
    commitNoop(n);
    n.propose('some data');
    take(n);
    n.step(msg('MsgAppResp', '2', '1', 1, { index: 2 }));
    expect(n.raft.raftLog.committed).toBe(2);
    const msgs = take(n);
    expect(msgs.filter((m) => m.type === 'MsgApp').every((m) => m.commit === 2)).toBe(true);
  });

  it('a leader commits an entry on acknowledgements from a majority, counting itself', () => {
    const cases: { size: number; acks: string[]; commit: boolean }[] = [
      { size: 1, acks: [], commit: true },
      { size: 3, acks: [], commit: false },
      { size: 3, acks: ['2'], commit: true },
      { size: 3, acks: ['2', '3'], commit: true },
      { size: 5, acks: ['2'], commit: false },
      { size: 5, acks: ['2', '3'], commit: true },
    ];
    for (const c of cases) {
      const peers = Array.from({ length: c.size }, (_, i) => String(i + 1));
      const n = node('1', { peers });
      becomeLeader(n);
      for (const id of peers.slice(1)) n.step(msg('MsgAppResp', id, '1', 1, { index: 1 }));
      n.propose('x');
      take(n);
      for (const id of c.acks) n.step(msg('MsgAppResp', id, '1', 1, { index: 2 }));
      expect(n.raft.raftLog.committed > 1, JSON.stringify(c)).toBe(c.commit);
    }
  });

  it('committing an entry commits all preceding entries, including those of earlier leaders', () => {
    const prev = [ent(1, 1, 'a'), ent(2, 2, 'b')];
    const n = node('1', { entries: prev, hardState: { term: 2, vote: '', commit: 0 } });
    becomeLeader(n);
    n.propose('c');
    take(n);
    n.step(msg('MsgAppResp', '2', '1', 3, { index: 4 }));
    expect(n.raft.raftLog.committed).toBe(4);
    expect(n.raft.raftLog.nextEnts().map((e) => e.data)).toEqual(['a', 'b', '', 'c']);
  });

  it('a follower applies entries up to the leader commit index it learns', () => {
    const n = node('1');
    n.step(msg('MsgApp', '2', '1', 1, { index: 0, logTerm: 0, entries: [ent(1, 1, 'a'), ent(2, 1, 'b')], commit: 1 }));
    expect(n.raft.raftLog.committed).toBe(1);
    expect(n.raft.raftLog.nextEnts().map((e) => e.data)).toEqual(['a']);
  });

  it('a follower rejects AppendEntries whose previous entry it does not have (the consistency check), hinting where to look', () => {
    const cases: { index: number; logTerm: number; reject: boolean; hint?: number }[] = [
      { index: 0, logTerm: 0, reject: false },
      { index: 1, logTerm: 1, reject: false },
      { index: 2, logTerm: 2, reject: false },
      { index: 2, logTerm: 1, reject: true, hint: 1 },
      { index: 3, logTerm: 3, reject: true, hint: 2 },
    ];
    for (const c of cases) {
      const n = node('1', { entries: [ent(1, 1), ent(2, 2)], hardState: { term: 2, vote: '', commit: 1 } });
      n.step(msg('MsgApp', '2', '1', 2, { index: c.index, logTerm: c.logTerm, commit: 1 }));
      const [resp] = take(n);
      expect(resp?.reject, JSON.stringify(c)).toBe(c.reject);
      if (c.reject) expect(resp?.rejectHint).toBe(c.hint);
    }
  });

  it('a follower deletes a conflicting entry and all that follow it, and appends the new ones', () => {
    const cases: { index: number; logTerm: number; entries: Entry[]; want: Entry[] }[] = [
      { index: 2, logTerm: 2, entries: [ent(3, 3)], want: [ent(1, 1), ent(2, 2), ent(3, 3)] },
      { index: 1, logTerm: 1, entries: [ent(2, 3), ent(3, 4)], want: [ent(1, 1), ent(2, 3), ent(3, 4)] },
      { index: 0, logTerm: 0, entries: [ent(1, 1)], want: [ent(1, 1), ent(2, 2)] },
      { index: 0, logTerm: 0, entries: [ent(1, 3)], want: [ent(1, 3)] },
    ];
    for (const c of cases) {
      const n = node('1', { entries: [ent(1, 1), ent(2, 2)], hardState: { term: 2, vote: '', commit: 0 } });
      n.step(msg('MsgApp', '2', '1', 2, { index: c.index, logTerm: c.logTerm, entries: c.entries }));
      expect(n.raft.raftLog.allEntries(), JSON.stringify(c)).toEqual(c.want);
    }
  });

  it('a leader brings any follower log into agreement with its own (Figure 7)', () => {
    const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6].map((t, i) => ent(i + 1, t));
    const followers: number[][] = [
      [1, 1, 1, 4, 4, 5, 5, 6, 6], // a
      [1, 1, 1, 4], // b
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // c
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // d
      [1, 1, 1, 4, 4, 4, 4], // e
      [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // f
    ];
    for (const terms of followers) {
      const c = new Cluster([]);
      const leaderStorage = new MemoryStorage({ voters: ids, learners: [] });
      leaderStorage.append(leaderLog);
      leaderStorage.setHardState({ term: 8, vote: '', commit: 0 });
      c.add('1', leaderStorage);
      const fs = new MemoryStorage({ voters: ids, learners: [] });
      fs.append(terms.map((t, i) => ent(i + 1, t)));
      fs.setHardState({ term: 7, vote: '', commit: 0 });
      c.add('2', fs);
      // The third server votes for the leader but is otherwise out of the picture.
      c.add('3', new MemoryStorage({ voters: ids, learners: [] }));
      c.get('1').node.campaign();
      c.stabilize();
      expect(c.leader()).toBe('1');
      const want = c.get('1').node.raft.raftLog.allEntries();
      expect(c.get('2').node.raft.raftLog.allEntries(), terms.join(',')).toEqual(want);
    }
  });
});

describe('§5.4 safety', () => {
  it('§5.4.1 a vote request carries the candidate log\'s last index and term', () => {
    const n = node('1', { entries: [ent(1, 1), ent(2, 2)], hardState: { term: 2, vote: '', commit: 0 } });
    n.campaign();
    const votes = take(n);
    expect(votes.every((m) => m.index === 2 && m.logTerm === 2 && m.term === 3)).toBe(true);
  });

  it('§5.4.1 a voter denies its vote to a candidate whose log is less up-to-date than its own', () => {
    const cases: { logTerm: number; index: number; reject: boolean }[] = [
      // same last term: longer or equal wins
      { logTerm: 1, index: 1, reject: false },
      { logTerm: 1, index: 2, reject: false },
      { logTerm: 1, index: 0, reject: true },
      // later last term wins regardless of length
      { logTerm: 2, index: 1, reject: false },
      // earlier last term loses regardless of length
      { logTerm: 0, index: 5, reject: true },
    ];
    for (const c of cases) {
      const n = node('1', { entries: [ent(1, 1)] });
      n.step(msg('MsgVote', '2', '1', 3, { index: c.index, logTerm: c.logTerm }));
      const [resp] = take(n);
      expect(resp?.reject, JSON.stringify(c)).toBe(c.reject);
    }
  });

  it('§5.4.2 a leader never commits an entry of a previous term by counting replicas', () => {
    const n = node('1', { entries: [ent(1, 1), ent(2, 2)], hardState: { term: 2, vote: '', commit: 0 } });
    becomeLeader(n); // term 3, no-op at 3
    // A majority has the term-2 entry, but not the no-op: nothing commits.
    n.step(msg('MsgAppResp', '2', '1', 3, { index: 2 }));
    expect(n.raft.raftLog.committed).toBe(0);
    // Once the current-term no-op is on a majority, everything before it commits too.
    n.step(msg('MsgAppResp', '2', '1', 3, { index: 3 }));
    expect(n.raft.raftLog.committed).toBe(3);
  });

  it('§5.4.2 Figure 8: an old-term entry stored on a majority can still be overwritten, which is why it is not committed by counting', () => {
    // Figure 8 (c)->(d): S1 (leader of term 4) has put index 2 (term 2) on S1, S2, S3, a
    // majority. S5, whose index 2 is of term 3, can still win (its last term is later) and
    // overwrite index 2 everywhere it reaches.
    const c = new Cluster([]);
    const five = ['1', '2', '3', '4', '5'];
    const logs: Record<string, { terms: number[]; term: number }> = {
      '1': { terms: [1, 2, 4], term: 4 },
      '2': { terms: [1, 2], term: 4 },
      '3': { terms: [1, 2], term: 4 },
      '4': { terms: [1], term: 4 },
      '5': { terms: [1, 3], term: 3 },
    };
    for (const id of five) {
      const st = new MemoryStorage({ voters: five, learners: [] });
      st.append((logs[id]?.terms ?? []).map((t, i) => ent(i + 1, t)));
      st.setHardState({ term: logs[id]?.term ?? 0, vote: '', commit: 1 });
      c.add(id, st);
    }
    c.isolate('1'); // S1 crashed
    c.get('5').node.campaign();
    c.stabilize();
    expect(c.get('5').node.raft.state).toBe('StateLeader');
    for (const id of ['2', '3', '4']) expect(c.get(id).node.raft.raftLog.termOrZero(2)).toBe(3);
  });

  it('§5.4.3 Leader Completeness: a node missing a committed entry cannot win an election', () => {
    const c = new Cluster(['1', '2', '3']);
    c.get('1').node.campaign();
    c.stabilize();
    c.isolate('3');
    c.get('1').node.propose('committed');
    c.stabilize();
    expect(c.get('1').node.raft.raftLog.committed).toBe(2);
    c.heal();
    c.isolate('1');
    c.get('3').node.campaign();
    c.stabilize();
    expect(c.get('3').node.raft.state).not.toBe('StateLeader');
    c.get('2').node.campaign();
    c.stabilize();
    expect(c.get('2').node.raft.state).toBe('StateLeader');
  });
});

describe('§5.5 follower and candidate crashes', () => {
  it('a lost AppendEntries is retried until the follower has the entries', () => {
    const c = new Cluster(['1', '2', '3']);
    c.get('1').node.campaign();
    c.stabilize();
    c.isolate('3');
    c.get('1').node.propose('x');
    c.stabilize();
    c.heal();
    c.tickAll(1);
    c.stabilize();
    expect(c.appliedData('3')).toEqual(['x']);
  });
});

describe('§7 log compaction', () => {
  it('a follower behind the leader\'s first index gets InstallSnapshot and then resumes from entries', () => {
    const c = new Cluster(['1', '2', '3']);
    c.get('1').node.campaign();
    c.stabilize();
    c.isolate('3');
    for (let i = 0; i < 5; i++) c.get('1').node.propose(`v${i}`);
    c.stabilize();
    const s1 = c.get('1').storage;
    s1.createSnapshot(5, { voters: ids, learners: [] }, 'state@5');
    s1.compact(5);
    c.heal();
    c.tickAll(1);
    c.stabilize();
    const follower = c.get('3');
    expect(follower.storage.snapshot().metadata.index).toBe(5);
    c.get('1').node.propose('after');
    c.stabilize();
    expect(follower.node.raft.raftLog.committed).toBe(c.get('1').node.raft.raftLog.committed);
    expect(c.appliedData('3')).toEqual(['v4', 'after']);
  });
});

describe('§6 / thesis §4.1 cluster membership changes', () => {
  it('adds one voter at a time, taking effect when the entry is applied; a new member catches up', () => {
    const c = new Cluster(['1', '2', '3']);
    c.get('1').node.campaign();
    c.stabilize();
    c.add('4', new MemoryStorage());
    c.get('1').node.proposeConfChange({ type: 'addNode', nodeId: '4' });
    // A second change is refused until the first is applied.
    expect(() => c.get('1').node.proposeConfChange({ type: 'addNode', nodeId: '5' })).toThrow(ProposalDroppedError);
    c.stabilize();
    expect(c.get('1').node.status().config.voters).toEqual(['1', '2', '3', '4']);
    c.get('1').node.propose('x');
    c.stabilize();
    expect(c.appliedData('4')).toEqual(['x']);
  });

  it('a removed leader steps down and the rest elect a new one', () => {
    const c = new Cluster(['1', '2', '3']);
    c.get('1').node.campaign();
    c.stabilize();
    c.get('1').node.proposeConfChange({ type: 'removeNode', nodeId: '1' });
    c.stabilize();
    expect(c.get('1').node.raft.state).toBe('StateFollower');
    for (let i = 0; i < 30 && c.leader() === undefined; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(['2', '3']).toContain(c.leader());
    expect(c.get(c.leader() ?? '').node.status().config.voters).toEqual(['2', '3']);
  });
});
