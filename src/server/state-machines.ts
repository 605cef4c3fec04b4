import type { Entry, Message, Snapshot } from '../raft/index.ts';
import { Store, type Clock } from '../store/index.ts';
import { AppliedRequests } from './applied-requests.ts';
import { applyV2Request, type ApplyResult } from './apply-v2.ts';
import { RaftCluster } from './cluster.ts';
import { decodeRequest } from './request.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot-payload.ts';
import { decodeV3Request, isV3Entry } from './v3/v3-request.ts';
import { V3State, type V3Backends, type V3StateOptions } from './v3/v3-state.ts';

/**
 * The two state machines one member's log feeds (DESIGN.md §9; etcd 3.4's `apply_v2.go` and
 * `apply.go`): the v2 store with the membership kept in it, and the v3 store with its leases and
 * alarms; plus the window of applied request IDs they share, so that a retried write is answered
 * from its first outcome instead of applied twice. Entries come in log order; which machine an
 * entry is for is in its first character.
 */
export class StateMachines {
  readonly store: Store;
  readonly cluster: RaftCluster;
  readonly v3: V3State;
  private readonly applied = new AppliedRequests();

  constructor(
    private readonly clock: Clock,
    v3Backends: V3Backends,
    v3Options: V3StateOptions,
    v3Host: ConstructorParameters<typeof V3State>[2],
  ) {
    // `/0` holds the membership, `/1` the users' keys (etcd's StoreClusterPrefix, StoreKeysPrefix).
    this.store = new Store({ clock, namespaces: ['/0', '/1'] });
    this.cluster = new RaftCluster(this.store);
    this.v3 = new V3State(v3Backends, v3Options, v3Host);
  }

  /**
   * Applies a normal entry (not a conf change, not a leader's empty entry) and returns the
   * request ID and outcome its proposer waits for; undefined for an entry the v3 store had
   * already applied before this member restarted (nobody here waits for it).
   */
  apply(entry: Entry): { id: string; outcome: ApplyResult } | undefined {
    if (isV3Entry(entry.data)) {
      const request = decodeV3Request(entry.data);
      if (!this.v3.needsApply(entry.index)) return undefined;
      return this.once(request.id, () => ({ v3: this.v3.apply(request, entry.index, this.clock.now()) }));
    }
    const request = decodeRequest(entry.data);
    return this.once(request.id, () => applyV2Request(this.store, this.cluster, request));
  }

  /** After a turn's entries (see `V3State.endTurn`). */
  endTurn(appliedIndex: number): void {
    this.v3.endTurn(appliedIndex);
  }

  /** The snapshot payload of both machines as applied now. */
  snapshotData(): string {
    return encodeSnapshot(this.store, this.applied, this.v3.snapshotMeta());
  }

  /**
   * Replaces the state by a snapshot: at start-up the v2 store only (the v3 store is durable on
   * its own and already holds at least as much), one received from a peer both (its v3 rows
   * staged by the host first: `snapshotToFetch`).
   */
  restore(snapshot: Snapshot, received: boolean): void {
    const { store, applied, v3 } = decodeSnapshot(snapshot.data);
    if (received && v3 !== undefined) this.v3.installSnapshot(v3, snapshot.metadata.index);
    this.store.recover(store);
    this.applied.recover(applied);
    this.cluster.recover();
  }

  /** For a snapshot message: the v3 revision whose rows the host must stage before stepping it. */
  snapshotToFetch(message: Message): number | undefined {
    if (message.type !== 'MsgSnap' || message.snapshot === undefined) return undefined;
    return decodeSnapshot(message.snapshot.data).v3?.revision;
  }

  /** Applies under a request ID at most once (the window remembers recent outcomes). */
  private once(id: string, apply: () => ApplyResult): { id: string; outcome: ApplyResult } {
    const earlier = this.applied.get(id);
    if (earlier !== undefined) return { id, outcome: earlier };
    const outcome = apply();
    if (id !== '') this.applied.record(id, outcome);
    return { id, outcome };
  }
}

