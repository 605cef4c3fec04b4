import { Inflights } from './inflights.ts';

/**
 * How the leader replicates to one follower (etcd's tracker.StateType):
 * - probe: one MsgApp per heartbeat interval until the follower's match index is found;
 * - replicate: optimistic pipelining, next advanced on send, bounded by the inflight window;
 * - snapshot: the follower needs a snapshot; nothing else is sent until it reports back.
 */
export type ProgressState = 'StateProbe' | 'StateReplicate' | 'StateSnapshot';

/** The leader's view of one follower (paper Figure 2: nextIndex and matchIndex, plus flow control). */
export class Progress {
  /** Highest index known replicated on the follower. */
  match = 0;
  /** Index of the next entry to send. */
  next: number;
  state: ProgressState = 'StateProbe';
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** In snapshot state: leader ticks since the snapshot went out (see Raft.tickHeartbeat). */
  snapshotElapsed = 0;
  /** Heard from since the last check-quorum round (CheckQuorum, thesis §6.2). */
  recentActive = false;
  /** In probe state: a MsgApp went out this heartbeat interval; wait for a reply or the next beat. */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, public isLearner = false) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotElapsed = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // Out of snapshot state, the follower has at least the snapshot: start probing after it.
    if (this.state === 'StateSnapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('StateProbe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('StateProbe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('StateReplicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('StateSnapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to n: returns whether it told us anything new. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeAcked();
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  probeAcked(): void {
    this.probeSent = false;
  }

  /** Replicate state: entries up to n were sent. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * A rejection of the MsgApp at index `rejected`; `matchHint` is where the follower suggests to
   * look (paper §5.3's fast backtracking). Returns false for a stale rejection.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'StateReplicate') {
      // Rejections of entries at or below match are stale (reordered messages).
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // Probe: only a rejection of the probe just sent counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending is on hold: a probe is out, the window is full, or a snapshot is pending. */
  isPaused(): boolean {
    switch (this.state) {
      case 'StateProbe':
        return this.probeSent;
      case 'StateReplicate':
        return this.inflights.full();
      case 'StateSnapshot':
        return true;
    }
  }

  toString(): string {
    let s = `${this.state} match=${this.match} next=${this.next}`;
    if (this.isLearner) s += ' learner';
    if (this.isPaused()) s += ' paused';
    if (this.pendingSnapshot > 0) s += ` pendingSnap=${this.pendingSnapshot}`;
    if (!this.recentActive) s += ' inactive';
    if (this.inflights.length > 0) s += ` inflight=${this.inflights.length}`;
    if (this.inflights.full()) s += '[full]';
    return s;
  }
}
