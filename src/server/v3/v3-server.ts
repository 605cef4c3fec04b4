import type { Member } from '../cluster.ts';
import type { CallSignal } from '../leader-transfer.ts';
import type { V3Api, V3Context, V3WatchStream } from './api.ts';
import type { V3Result } from './apply-v3.ts';
import { backendHashResponse } from './backend-hash.ts';
import { SYSTEM } from './auth-request.ts';
import type { V3AuthApi } from './auth-rpc.ts';
import { checkDeleteRange, checkPut, checkRange, checkTxn } from './checks.ts';
import { Rpc, RpcError } from './errors.ts';
import { applyRange } from './range.ts';
import { membershipRpcError, toRpcError, toServerRpcError } from './rpc-errors.ts';
import type * as pb from './rpc.ts';
import { isTxnReadOnly, isTxnSerializable } from './txn.ts';
import type { V3Operation } from './v3-request.ts';
import type { V3Host } from './v3-host.ts';
import { openWatchStream, type ServedWatchStream } from './watch-server.ts';

export type { LeaderLeases, V3Host } from './v3-host.ts';

/** etcd's version as `Status` reports it. */
const SERVER_VERSION = '3.4.23';
/** What a put or a lease costs the quota before it is written (etcd's `costPut` and friends). */
const PUT_OVERHEAD_BYTES = 64;
const LEASE_COST_BYTES = 64;

/**
 * One member's v3 API: etcd's `EtcdServer` v3 methods (etcdserver/v3_server.go) behind the v3rpc
 * servers' request checks, quota and header filling (etcdserver/api/v3rpc). Reads are served here
 * (serializable: from this member's store; otherwise after a ReadIndex round), writes go through
 * the log and answer with what the applier decided.
 */
export class V3Server implements V3Api {
  private readonly watchStreams = new Set<ServedWatchStream>();

  constructor(private readonly host: V3Host) {}

  header(): pb.ResponseHeader {
    return this.host.header();
  }

  /** The Auth service. */
  get auth(): V3AuthApi {
    return this.host.auth;
  }

  /**
   * The admin check for calls whose methods take no context (the gateway's Hash, Snapshot and
   * MemberPromote routes call it first): maintenance answers the auth store's errors as they are
   * (v3rpc/maintenance.go), membership rpctypes errors (`checkMembershipOperationPermission`).
   */
  authorize(kind: 'maintenance' | 'membership', context?: V3Context): void {
    if (kind === 'maintenance') this.host.auth.checkAdminRaw(context);
    else this.host.auth.checkAdmin(context);
  }

  async range(r: pb.RangeRequest, context?: V3Context): Promise<pb.RangeResponse> {
    throwIf(checkRange(r));
    if (!r.serializable) await this.host.linearizableRead();
    const auth = this.host.auth;
    return auth.serialized(context, (info) => auth.store.isRangePermitted(info, r.key, r.rangeEnd), () =>
      this.read(() => {
        const view = this.host.kv.read();
        try {
          return this.filled(applyRange(view, r));
        } finally {
          view.end();
        }
      }),
    );
  }

  async put(r: pb.PutRequest, context?: V3Context): Promise<pb.PutResponse> {
    throwIf(checkPut(r));
    await this.checkQuota(r.key.length + r.value.length + PUT_OVERHEAD_BYTES);
    return this.write<pb.PutResponse>({ put: r }, context);
  }

  async deleteRange(r: pb.DeleteRangeRequest, context?: V3Context): Promise<pb.DeleteRangeResponse> {
    throwIf(checkDeleteRange(r));
    return this.write<pb.DeleteRangeResponse>({ deleteRange: r }, context);
  }

  async txn(r: pb.TxnRequest, context?: V3Context): Promise<pb.TxnResponse> {
    throwIf(checkTxn(r));
    if (isTxnReadOnly(r)) {
      // etcd serves a read-only txn locally, after a ReadIndex unless every range is serializable.
      if (!isTxnSerializable(r)) await this.host.linearizableRead();
      const outcome = this.host.auth.serializedTxn(context, r, () => this.host.applier.apply({ txn: r }, this.host.nowMs()));
      return this.answer(outcome) as pb.TxnResponse;
    }
    await this.checkQuota(txnPutBytes(r));
    return this.write<pb.TxnResponse>({ txn: r }, context);
  }

  async compact(r: pb.CompactionRequest, context?: V3Context): Promise<pb.CompactionResponse> {
    await this.write<pb.CompactionResponse>({ compaction: r }, context);
    if (r.physical) await this.host.compactionDone();
    // etcd answers with the store's revision once the compaction (and, if asked, its deletes) ran.
    return { header: this.host.header() };
  }

  watch(onResponse: (response: pb.WatchResponse) => void, context?: V3Context): V3WatchStream {
    const refusal = (create: pb.WatchCreateRequest): string | undefined => this.host.auth.watchRefusal(context, create);
    const stream = openWatchStream(this.host, onResponse, () => this.watchStreams.delete(stream), refusal);
    this.watchStreams.add(stream);
    return stream;
  }

  /** etcd's progress ticker (`--experimental-watch-progress-notify-interval`, 10 min by default). */
  progressTick(): void {
    for (const stream of this.watchStreams) stream.progressTick();
  }

  async leaseGrant(r: pb.LeaseGrantRequest, context?: V3Context): Promise<pb.LeaseGrantResponse> {
    await this.checkQuota(LEASE_COST_BYTES);
    // etcd picks an ID for a grant that names none (positive: the top bit cleared).
    const id = r.id !== 0n ? r.id : this.host.nextLeaseId() & ((1n << 63n) - 1n);
    return this.write<pb.LeaseGrantResponse>({ leaseGrant: { ...r, id } }, context);
  }

  async leaseRevoke(r: pb.LeaseRevokeRequest, context?: V3Context): Promise<pb.LeaseRevokeResponse> {
    return this.write<pb.LeaseRevokeResponse>({ leaseRevoke: r }, context);
  }

  /** etcd's keep-alive: the header first, then the renewal; a lease that is gone answers TTL 0. */
  async leaseKeepAlive(r: pb.LeaseKeepAliveRequest): Promise<pb.LeaseKeepAliveResponse> {
    const header = this.host.header();
    let ttl: number;
    try {
      ttl = await this.renew(r.id);
    } catch (error) {
      if (toServerRpcError(error) !== Rpc.LeaseNotFound) throw toServerRpcError(error);
      ttl = 0;
    }
    return { header, id: r.id, ttl };
  }

  async leaseTimeToLive(r: pb.LeaseTimeToLiveRequest): Promise<pb.LeaseTimeToLiveResponse> {
    try {
      return { ...(await this.timeToLive(r)), header: this.host.header() };
    } catch (error) {
      if (toServerRpcError(error) !== Rpc.LeaseNotFound) throw toServerRpcError(error);
      // etcd answers an unknown lease with TTL -1, not an error.
      return { header: this.host.header(), id: r.id, ttl: -1, grantedTtl: 0, keys: [] };
    }
  }

  async leaseLeases(): Promise<pb.LeaseLeasesResponse> {
    const leases = this.host.lessor.leasesByExpiry().map((l) => ({ id: l.id }));
    return { header: this.host.header(), leases };
  }

  async memberList(): Promise<pb.MemberListResponse> {
    return { header: this.host.header(), members: this.v3Members() };
  }

  async memberAdd(r: { peerURLs: string[]; isLearner: boolean }, nowMs: number, context?: V3Context): Promise<pb.MemberAddResponse> {
    this.host.auth.checkAdmin(context);
    const added = await this.membership(() => this.host.addMember(r.peerURLs, nowMs, r.isLearner));
    return { header: this.host.header(), member: toV3Member(added), members: this.v3Members() };
  }

  async memberRemove(r: { id: string }, context?: V3Context): Promise<pb.MemberRemoveResponse> {
    this.host.auth.checkAdmin(context);
    await this.membership(() => this.host.removeMember(r.id));
    return { header: this.host.header(), members: this.v3Members() };
  }

  async memberUpdate(r: { id: string; peerURLs: string[] }, context?: V3Context): Promise<pb.MemberUpdateResponse> {
    this.host.auth.checkAdmin(context);
    await this.membership(() => this.host.updateMember(r.id, r.peerURLs));
    return { header: this.host.header(), members: this.v3Members() };
  }

  /** etcd's ClusterServer.MemberPromote: this member's header, the members the promotion left. */
  async memberPromote(r: { id: string }): Promise<pb.MemberPromoteResponse> {
    const members = await this.membership(() => this.host.promoteMember(r.id));
    return { header: this.host.header(), members: members.map(toV3Member) };
  }

  async status(): Promise<pb.StatusResponse> {
    const raft = this.host.raftStatus();
    const errors = raft.leader === '' ? [Rpc.NoLeader.message] : [];
    for (const alarm of this.host.alarms.get('NONE')) errors.push(`memberID:${BigInt(`0x${alarm.memberId}`)} alarm:${alarm.alarm} `);
    const dbSize = this.host.kv.size();
    return {
      header: this.host.header(),
      version: SERVER_VERSION,
      dbSize,
      leader: raft.leader,
      raftIndex: raft.commit,
      raftTerm: raft.term,
      raftAppliedIndex: raft.applied,
      errors,
      dbSizeInUse: dbSize,
      isLearner: this.host.isLearner(),
    };
  }

  async hashKV(r: pb.HashKVRequest, context?: V3Context): Promise<pb.HashKVResponse> {
    this.host.auth.checkAdminRaw(context);
    return this.read(() => {
      const { hash, currentRev, compactRev } = this.host.kv.hashByRev(r.revision);
      return { header: this.host.header(currentRev), hash, compactRevision: compactRev };
    });
  }

  hash(): Promise<pb.HashResponse> {
    return backendHashResponse(this.host);
  }

  /**
   * etcd's maintenance MoveLeader: the server's `MoveLeader` ("not leader" first), an empty
   * answer once the transferee leads. Its timeout is not one of v3rpc's mapped errors: a client
   * sees it as Unknown with etcd's message.
   */
  async moveLeader(r: { targetId: string }, signal?: CallSignal): Promise<Record<string, never>> {
    await this.host.moveLeader(r.targetId, signal).catch((error: unknown) => {
      throw toServerRpcError(error);
    });
    return {};
  }

  isLearner(): boolean {
    return this.host.isLearner();
  }

  async alarm(r: pb.AlarmRequest, context?: V3Context): Promise<pb.AlarmResponse> {
    // etcd sends even a GET through the log, and answers with no header.
    const outcome = await this.host.propose({ alarm: r }, context, this.host.auth.requestAuth(context)).catch((error: unknown) => {
      throw toServerRpcError(error);
    });
    if (outcome.error !== undefined) throw outcome.error;
    return outcome.response as pb.AlarmResponse;
  }

  async defragment(context?: V3Context): Promise<Record<string, never>> {
    this.host.auth.checkAdminRaw(context);
    return {};
  }

  // ---- internals ----

  private async write<T extends { header: pb.ResponseHeader }>(op: V3Operation, context?: V3Context): Promise<T> {
    let outcome: V3Result;
    // The header (`AuthInfoFromCtx`) first: a bad token is refused before anything is proposed.
    const auth = this.host.auth.requestAuth(context);
    try {
      outcome = await this.host.propose(op, context, auth);
    } catch (error) {
      throw toServerRpcError(error);
    }
    return this.answer(outcome) as T;
  }

  /** An applied outcome as the client gets it: the error, or the response with its header filled. */
  private answer(outcome: V3Result): unknown {
    if (outcome.error !== undefined) throw outcome.error;
    const response = outcome.response as { header?: pb.ResponseHeader } | undefined;
    if (response === undefined) throw Rpc.Stopped;
    return this.filled(response as { header: pb.ResponseHeader });
  }

  /** v3rpc's `header.fill`: cluster, member and term; the store's revision unless one is set. */
  private filled<T extends { header: pb.ResponseHeader }>(response: T): T {
    const revision = response.header.revision;
    return { ...response, header: this.host.header(revision === 0 ? undefined : revision) };
  }

  private read<T>(body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw toRpcError(error);
    }
  }

  /**
   * etcd's `quotaAlarmer.check`: a write that would take the store past its quota raises the
   * NOSPACE alarm (through the log, so every member caps) and is refused.
   */
  private async checkQuota(cost: number): Promise<void> {
    const { quotaBytes, quotaKeys, kv } = this.host;
    const bytesFull = quotaBytes > 0 && kv.size() + cost >= quotaBytes;
    const keysFull = quotaKeys > 0 && kv.indexedKeys() >= quotaKeys;
    if (cost === 0 || (!bytesFull && !keysFull)) return;
    await this.host.propose({ alarm: { action: 'ACTIVATE', memberId: this.host.memberId, alarm: 'NOSPACE' } }, undefined, SYSTEM).catch(() => undefined);
    throw Rpc.NoSpace;
  }

  private async renew(id: bigint): Promise<number> {
    if (this.host.raftStatus().isLeader) return this.host.lessor.renew(id, this.host.nowMs());
    const leader = this.host.leaderLeases();
    if (leader === undefined) throw Rpc.NoLeader;
    return leader.renew(id);
  }

  private async timeToLive(r: pb.LeaseTimeToLiveRequest): Promise<pb.LeaseTimeToLiveResponse> {
    if (!this.host.raftStatus().isLeader) {
      const leader = this.host.leaderLeases();
      if (leader === undefined) throw Rpc.NoLeader;
      return leader.timeToLive(r.id, r.keys);
    }
    const ttl = this.host.lessor.timeToLive(r.id, this.host.nowMs(), r.keys);
    return { header: this.host.header(), id: ttl.id, ttl: ttl.ttl, grantedTtl: ttl.grantedTtl, keys: ttl.keys };
  }

  private v3Members(): pb.V3Member[] {
    return this.host.members().map(toV3Member);
  }

  /** Membership errors as v3rpc's `togRPCError` renders them. */
  private async membership<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (error) {
      throw membershipRpcError(error);
    }
  }
}

function throwIf(error: RpcError | undefined): void {
  if (error !== undefined) throw error;
}

function toV3Member(m: Member): pb.V3Member {
  return { id: m.id, name: m.name, peerURLs: [...m.peerURLs], clientURLs: [...m.clientURLs], isLearner: m.isLearner };
}

/** What the puts of a txn may add to the store, both branches counted (etcd's `costTxn`). */
function txnPutBytes(r: pb.TxnRequest): number {
  let bytes = 0;
  for (const op of [...r.success, ...r.failure]) {
    if ('requestPut' in op) bytes += op.requestPut.key.length + op.requestPut.value.length + PUT_OVERHEAD_BYTES;
    else if ('requestTxn' in op) bytes += txnPutBytes(op.requestTxn);
  }
  return bytes;
}
