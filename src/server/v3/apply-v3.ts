import type { Lessor } from '../../lease/index.ts';
import type { TxnWrite, WatchableStore } from '../../mvcc/index.ts';
import type { AlarmStore } from './alarms.ts';
import type { AuthResponse } from './auth-rpc.ts';
import { Rpc, RpcError } from './errors.ts';
import { revisionHeader } from './range.ts';
import { toRpcError } from './rpc-errors.ts';
import type {
  AlarmResponse,
  CompactionResponse,
  DeleteRangeResponse,
  LeaseGrantResponse,
  LeaseRevokeResponse,
  PutRequest,
  PutResponse,
  RequestOp,
  TxnRequest,
  TxnResponse,
} from './rpc.ts';
import { applyTxnOps, compareToPath, isTxnReadOnly, requestsOnPath } from './txn.ts';
import type { V3Operation } from './v3-request.ts';
import { applyDeleteRange, applyPut } from './writes.ts';

export type V3Response =
  | PutResponse
  | DeleteRangeResponse
  | TxnResponse
  | CompactionResponse
  | LeaseGrantResponse
  | LeaseRevokeResponse
  | AlarmResponse
  | AuthResponse;

/** An applied v3 request's outcome: every member reaches the same one, error or response. */
export interface V3Result {
  response?: V3Response;
  error?: RpcError;
}

/**
 * etcd's `applierV3backend` (etcdserver/apply.go), with its quota and NOSPACE wrappers: what a
 * committed v3 request does to the key-value store, the lessor and the alarms. Deterministic:
 * everything it decides comes from the log and the state the log built; `nowMs` only places a
 * granted lease's expiry on the leader's clock, which no follower reads.
 *
 * Headers carry the revision only; the server fills in the cluster, member and term.
 */
export class V3Applier {
  constructor(
    private readonly kv: WatchableStore,
    private readonly lessor: Lessor,
    private readonly alarms: AlarmStore,
  ) {}

  apply(op: V3Operation, nowMs: number): V3Result {
    try {
      return { response: this.dispatch(op, nowMs) };
    } catch (error) {
      const rpc = toRpcError(error);
      if (rpc instanceof RpcError) return { error: rpc };
      throw error;
    }
  }

  private dispatch(op: V3Operation, nowMs: number): V3Response {
    if ('put' in op) return this.put(op.put);
    if ('deleteRange' in op) return this.write((txn) => applyDeleteRange(txn, op.deleteRange));
    if ('txn' in op) return this.txn(op.txn);
    if ('compaction' in op) {
      this.kv.compact(op.compaction.revision);
      // etcd reads the revision with a range of a key it does not care about ("compaction"),
      // which its mvcc metrics count as a range on every member: so does this.
      return { header: revisionHeader(this.kv.range('compaction', '').rev) };
    }
    if ('leaseGrant' in op) {
      if (this.alarms.isActive('NOSPACE')) throw Rpc.NoSpace;
      const lease = this.lessor.grant(op.leaseGrant.id, op.leaseGrant.ttl, nowMs);
      return { header: revisionHeader(this.kv.rev()), id: lease.id, ttl: lease.ttl, error: '' };
    }
    if ('leaseRevoke' in op) {
      this.lessor.revoke(op.leaseRevoke.id, (keys) => {
        // Every attached key goes in one write txn: one revision, as etcd's lessor revokes.
        if (keys.length > 0) this.write((txn) => keys.forEach((key) => txn.deleteRange(key, '')));
      });
      return { header: revisionHeader(this.kv.rev()) };
    }
    if ('leaseCheckpoint' in op) {
      for (const c of op.leaseCheckpoint.checkpoints) this.lessor.checkpoint(c.id, c.remainingTtl, nowMs);
      return { header: revisionHeader(this.kv.rev()) };
    }
    if ('alarm' in op) return this.alarms.apply(op.alarm);
    // The Auth requests are the auth applier's (apply-auth.ts), never this one's.
    throw new Error(`not a key-value request: ${Object.keys(op).join(',')}`);
  }

  private put(p: PutRequest): PutResponse {
    // A NOSPACE alarm caps the store: no puts until it is disarmed (`applierV3Capped`).
    if (this.alarms.isActive('NOSPACE')) throw Rpc.NoSpace;
    if (p.lease !== 0n && this.lessor.lookup(p.lease) === undefined) throw Rpc.LeaseNotFound;
    return this.write((txn) => applyPut(txn, p));
  }

  /**
   * etcd's `Txn`: decide the path from one read view, check every request on it (a write txn's
   * puts need their lease and, with ignore flags, their key; every range's revision must be
   * readable), and only then open the write txn. A failed check fails the txn before anything is
   * written, on every member alike (etcd 3.4 could let members diverge here: etcd-io/etcd#18667).
   */
  private txn(r: TxnRequest): TxnResponse {
    const view = this.kv.read();
    let path: boolean[];
    const writes = !isTxnReadOnly(r);
    try {
      path = compareToPath(view, r);
      const onPath = requestsOnPath(r, path);
      if (writes && this.alarms.isActive('NOSPACE') && onPath.some((op) => 'requestPut' in op)) throw Rpc.NoSpace;
      if (writes) for (const op of onPath) this.checkPut(view, op);
      for (const op of onPath) checkRangeRevision(view, op);
      // A read-only txn runs in the view it was decided in, as etcd's does (one read txn).
      if (!writes) {
        const response = applyTxnOps(view, r, path);
        response.header = revisionHeader(view.rev());
        return response;
      }
    } finally {
      view.end();
    }
    const txn = this.kv.write();
    try {
      const response = applyTxnOps(txn, r, path);
      response.header = revisionHeader(txn.rev() + (txn.changes().length > 0 ? 1 : 0));
      return response;
    } finally {
      txn.end();
    }
  }

  /** etcd's `checkRequestPut`. */
  private checkPut(view: ReturnType<WatchableStore['read']>, op: RequestOp): void {
    if (!('requestPut' in op)) return;
    const p = op.requestPut;
    if ((p.ignoreValue || p.ignoreLease) && view.range(p.key, '').kvs.length === 0) throw Rpc.KeyNotFound;
    if (p.lease !== 0n && this.lessor.lookup(p.lease) === undefined) throw Rpc.LeaseNotFound;
  }

  private write<T>(body: (txn: TxnWrite) => T): T {
    const txn = this.kv.write();
    try {
      return body(txn);
    } finally {
      txn.end();
    }
  }
}

/** etcd's `checkRequestRange`: 0 is the current revision; beyond it is future, below the compacted one gone. */
function checkRangeRevision(view: ReturnType<WatchableStore['read']>, op: RequestOp): void {
  if (!('requestRange' in op)) return;
  const { revision } = op.requestRange;
  if (revision === 0) return;
  if (revision > view.rev()) throw Rpc.FutureRev;
  if (revision < view.firstRev()) throw Rpc.Compacted;
}
