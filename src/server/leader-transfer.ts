import type { RaftCluster } from './cluster.ts';
import { ServerError } from './errors.ts';
import type { MemberId } from './member-id.ts';

/**
 * The part of a Web `AbortSignal` a waiting call uses (the core has no platform types): a
 * request's signal fits it.
 */
export interface CallSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** What a leadership transfer needs of the member it runs on. */
export interface LeaderTransferHost {
  readonly id: MemberId;
  readonly cluster: RaftCluster;
  /** The leader's ID, `''` when none is known. */
  readonly leader: () => MemberId;
  /** Raft's `TransferLeadership` (a MsgTransferLeader from the transferee to this leader). */
  readonly transferLeader: (transferee: MemberId) => void;
  readonly log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * etcd's `MoveLeader` (etcdserver/server.go) behind v3rpc's maintenance server: only the leader
 * moves leadership ("not leader" from anyone else), only to a voting member ("bad leader
 * transferee" for a learner or an unknown ID), and the call returns once this member sees the
 * transferee lead. etcd bounds the wait by the request's context alone (the client's deadline,
 * or its going away), answering "request timed out, leader transfer took too long": so does
 * `signal` here. Raft itself abandons a transfer that did not finish within an election timeout;
 * the call keeps waiting after that, as etcd's does, until the transferee leads or the signal fires.
 */
export class LeaderTransfer {
  private waiting: { transferee: MemberId; done: () => void }[] = [];

  constructor(private readonly host: LeaderTransferHost) {}

  async moveLeader(transferee: MemberId, signal?: CallSignal): Promise<void> {
    const lead = this.host.leader();
    if (lead !== this.host.id) throw new ServerError(ServerError.NotLeader);
    const member = this.host.cluster.member(transferee);
    if (member === undefined || member.isLearner) throw new ServerError(ServerError.BadLeaderTransferee);
    this.host.log('leadership transfer starting', { 'local-member-id': this.host.id, 'current-leader-member-id': lead, 'transferee-member-id': transferee });
    this.host.transferLeader(transferee);
    await this.untilLeader(transferee, signal);
    this.host.log('leadership transfer finished', { 'local-member-id': this.host.id, 'old-leader-member-id': lead, 'new-leader-member-id': transferee });
  }

  /** This member learned of a leader (or lost it): the transfers waiting for it are done. */
  onLeaderChange(leader: MemberId): void {
    if (leader === '' || this.waiting.length === 0) return;
    const done = this.waiting.filter((w) => w.transferee === leader);
    this.waiting = this.waiting.filter((w) => w.transferee !== leader);
    for (const w of done) w.done();
  }

  private untilLeader(transferee: MemberId, signal: CallSignal | undefined): Promise<void> {
    if (this.host.leader() === transferee) return Promise.resolve();
    const timedOut = (): Error => new ServerError(ServerError.TimeoutLeaderTransfer);
    if (signal?.aborted === true) return Promise.reject(timedOut());
    return new Promise((resolve, reject) => {
      const entry = {
        transferee,
        done: () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        },
      };
      const abort = (): void => {
        this.waiting = this.waiting.filter((w) => w !== entry);
        reject(timedOut());
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.push(entry);
    });
  }
}
