import { Progress } from './progress.ts';
import { committedIndex, voteResult, type VoteResult } from './quorum.ts';
import type { ConfChange, ConfState, NodeId } from './messages.ts';

/**
 * The leader's bookkeeping of the configuration and of every member's progress, plus the votes of
 * the current election (etcd's tracker.ProgressTracker, without joint consensus).
 */
export class ProgressTracker {
  voters = new Set<NodeId>();
  learners = new Set<NodeId>();
  progress = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();

  constructor(readonly maxInflight: number) {}

  confState(): ConfState {
    return { voters: [...this.voters].sort(), learners: [...this.learners].sort() };
  }

  /** A one-voter configuration: the node can commit and win elections alone. */
  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match);
  }

  /** Visits every progress in ID order (deterministic message order). */
  visit(f: (id: NodeId, pr: Progress) => void): void {
    for (const id of [...this.progress.keys()].sort()) f(id, this.progress.get(id) as Progress);
  }

  /**
   * Whether a quorum of voters has been heard from since the last check (thesis §6.2:
   * CheckQuorum), counting `self` as active.
   */
  quorumActive(self: NodeId): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) {
      if (!pr.isLearner) votes.set(id, id === self || pr.recentActive);
    }
    return voteResult(this.voters, votes) === 'VoteWon';
  }

  resetVotes(): void {
    this.votes = new Map();
  }

  /** Records a vote (the first one from each node counts). */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }

  /** Replaces the configuration (a restored snapshot or the initial state); progress starts at next. */
  reset(cs: ConfState, next: number): void {
    this.voters = new Set(cs.voters);
    this.learners = new Set(cs.learners);
    this.progress = new Map();
    for (const id of cs.voters) this.progress.set(id, new Progress(next, this.maxInflight));
    for (const id of cs.learners) this.progress.set(id, new Progress(next, this.maxInflight, true));
    this.votes = new Map();
  }

  /**
   * Applies one change (thesis §4.1: adding or removing one voter keeps any two majorities
   * overlapping). New members start probing at `next`. `nodeId: ''` is a no-op.
   */
  applyChange(cc: ConfChange, next: number): void {
    const id = cc.nodeId;
    if (id === '') return;
    switch (cc.type) {
      case 'addNode': {
        this.learners.delete(id);
        this.voters.add(id);
        const pr = this.progress.get(id);
        if (pr === undefined) this.progress.set(id, newActive(next, this.maxInflight, false));
        else pr.isLearner = false;
        return;
      }
      case 'addLearnerNode': {
        if (this.voters.has(id)) this.voters.delete(id);
        this.learners.add(id);
        const pr = this.progress.get(id);
        if (pr === undefined) this.progress.set(id, newActive(next, this.maxInflight, true));
        else pr.isLearner = true;
        return;
      }
      case 'removeNode':
        this.voters.delete(id);
        this.learners.delete(id);
        this.progress.delete(id);
        return;
    }
  }
}

/** A new member counts as recently active, so CheckQuorum does not trip before it catches up (etcd does the same). */
function newActive(next: number, maxInflight: number, learner: boolean): Progress {
  const pr = new Progress(next, maxInflight, learner);
  pr.recentActive = true;
  return pr;
}
