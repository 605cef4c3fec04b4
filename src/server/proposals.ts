import { ProposalDroppedError, type ConfChange, type RawNode } from '../raft/index.ts';
import type { ApplyResult } from './apply-v2.ts';
import { ServerError } from './errors.ts';
import { Wait } from './wait.ts';

/**
 * The requests this member put into the log and that wait to be applied (etcd's `s.w`, the
 * `wait.Wait` keyed by request ID, and the proposals `raftNode` could not hand to a leader yet).
 *
 * A proposal made while this member leads fails at once if it loses leadership: whether it
 * commits is then up to the new leader, and the front door retries there with the same request
 * ID, so a write that did commit is answered from the applied window instead of applied twice.
 * A proposal that found no leader is queued and submitted again once one is known.
 */
export class Proposals {
  private readonly wait = new Wait<ApplyResult>();
  private readonly proposedAsLeader = new Set<string>();
  private queued: { id: string; data: string }[] = [];
  private seq = 0;

  constructor(
    private readonly node: RawNode,
    /** Prefix of the IDs this member generates: unique per member and per start. */
    private readonly idPrefix: string,
    private readonly isLeader: () => boolean,
    private readonly wake: () => void,
  ) {}

  nextId(): string {
    return `${this.idPrefix}.${++this.seq}`;
  }

  /** Proposes an encoded request; resolves with its outcome once applied on this member. */
  propose(id: string, data: string, deadlineTick: number): Promise<ApplyResult> {
    const done = this.wait.register(id, deadlineTick);
    this.submit(id, data);
    return done;
  }

  /** Proposes a membership change whose context carries `id`; resolves once it is applied. */
  proposeConfChange(id: string, change: ConfChange, deadlineTick: number): Promise<ApplyResult> {
    const done = this.wait.register(id, deadlineTick);
    try {
      this.node.proposeConfChange(change);
      this.wake();
    } catch (error) {
      this.wait.fail(id, error instanceof ProposalDroppedError ? new ServerError(ServerError.TimeoutDueToLeaderFail) : (error as Error));
    }
    return done;
  }

  /** A proposal that nobody waits for (the leader's SYNC); dropped if there is no leader. */
  proposeUnwaited(data: string): void {
    try {
      this.node.propose(data);
    } catch (error) {
      if (!(error instanceof ProposalDroppedError)) throw error;
    }
  }

  /** The entry carrying `id` was applied with `outcome`. */
  applied(id: string, outcome: ApplyResult): void {
    this.proposedAsLeader.delete(id);
    this.wait.trigger(id, outcome);
  }

  /** Leadership moved: fail what this member proposed as leader; resubmit what waited for one. */
  onLeaderChange(wasLeader: boolean, isLeader: boolean, leaderKnown: boolean): void {
    if (wasLeader && !isLeader) {
      for (const id of this.proposedAsLeader) this.wait.fail(id, new ServerError(ServerError.LeaderChanged));
      this.proposedAsLeader.clear();
    }
    if (leaderKnown && this.queued.length > 0) {
      const queued = this.queued;
      this.queued = [];
      for (const q of queued) this.submit(q.id, q.data);
    }
  }

  /** Fails every proposal past its deadline; queued ones nobody waits for any more are dropped. */
  expire(nowTick: number, timeout: Error): void {
    this.wait.expire(nowTick, timeout);
    this.queued = this.queued.filter((q) => this.wait.isRegistered(q.id));
  }

  failAll(error: Error): void {
    this.wait.failAll(error);
  }

  private submit(id: string, data: string): void {
    try {
      this.node.propose(data);
      this.wake();
      if (this.isLeader()) this.proposedAsLeader.add(id);
    } catch (error) {
      if (!(error instanceof ProposalDroppedError)) throw error;
      this.queued.push({ id, data });
    }
  }
}
