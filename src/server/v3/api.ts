import type {
  AlarmRequest,
  AlarmResponse,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVRequest,
  HashKVResponse,
  HashResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberAddResponse,
  MemberListResponse,
  MemberPromoteResponse,
  MemberRemoveResponse,
  MemberUpdateResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchRequest,
  WatchResponse,
} from './rpc.ts';
import type { CallSignal } from '../leader-transfer.ts';
import type { V3AuthApi } from './auth-rpc.ts';

/**
 * What a request carries besides its message. `requestId` names a write so that a retry of it
 * by the front door (same ID) is answered from the applied window instead of applied twice.
 */
export interface V3Context {
  requestId?: string;
  /**
   * The caller's auth token, when it sent one: the gateway's `Authorization` header or
   * `Grpc-Metadata-Token` (clientv3's `token` metadata). An empty one is a token too, and invalid.
   */
  token?: string;
  /** The client's address, which the failed-login throttle counts against. */
  client?: string;
}

/**
 * One watch stream (etcd's gRPC `Watch` stream, the gateway's `/v3/watch`): many watches, created
 * and cancelled by requests, answered by responses in order. `close` cancels every watch on it.
 */
export interface V3WatchStream {
  send(request: WatchRequest): void;
  close(): void;
}

/**
 * A member's v3 API (etcd's `etcdserver/v3_server.go` and the v3rpc servers it backs): what the
 * JSON gateway and, through it, the gRPC server call. Every method answers etcd's messages or
 * throws an `RpcError` (etcd's rpctypes error: gRPC code and message).
 */
export interface V3Api {
  range(request: RangeRequest, context?: V3Context): Promise<RangeResponse>;
  put(request: PutRequest, context?: V3Context): Promise<PutResponse>;
  deleteRange(request: DeleteRangeRequest, context?: V3Context): Promise<DeleteRangeResponse>;
  txn(request: TxnRequest, context?: V3Context): Promise<TxnResponse>;
  compact(request: CompactionRequest, context?: V3Context): Promise<CompactionResponse>;

  /** Opens a watch stream; `onResponse` receives every response, in order, until closed. */
  watch(onResponse: (response: WatchResponse) => void, context?: V3Context): V3WatchStream;

  leaseGrant(request: LeaseGrantRequest, context?: V3Context): Promise<LeaseGrantResponse>;
  leaseRevoke(request: LeaseRevokeRequest, context?: V3Context): Promise<LeaseRevokeResponse>;
  /** One keep-alive (a message of the `LeaseKeepAlive` stream). */
  leaseKeepAlive(request: LeaseKeepAliveRequest): Promise<LeaseKeepAliveResponse>;
  leaseTimeToLive(request: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
  leaseLeases(): Promise<LeaseLeasesResponse>;

  memberList(linearizable: boolean): Promise<MemberListResponse>;
  memberAdd(request: { peerURLs: string[]; isLearner: boolean }, nowMs: number): Promise<MemberAddResponse>;
  memberRemove(request: { id: string }): Promise<MemberRemoveResponse>;
  memberUpdate(request: { id: string; peerURLs: string[] }): Promise<MemberUpdateResponse>;
  /** Promotes a learner that caught up with the leader to a voter (forwarded to the leader). */
  memberPromote(request: { id: string }): Promise<MemberPromoteResponse>;

  status(): Promise<StatusResponse>;
  hashKV(request: HashKVRequest): Promise<HashKVResponse>;
  /** etcd's Hash: of the whole backend, not only the keys (the gateway's `/v3/maintenance/hash`). */
  hash(): Promise<HashResponse>;
  /**
   * Hands leadership from this member, the leader, to a voter, and resolves once it leads
   * (etcd answers an empty message, no header). `signal` is the request's: etcd waits as long
   * as the client does.
   */
  moveLeader(request: { targetId: string }, signal?: CallSignal): Promise<Record<string, never>>;
  alarm(request: AlarmRequest): Promise<AlarmResponse>;
  memberAdd(request: { peerURLs: string[]; isLearner: boolean }, nowMs: number, context?: V3Context): Promise<MemberAddResponse>;
  memberRemove(request: { id: string }, context?: V3Context): Promise<MemberRemoveResponse>;
  memberUpdate(request: { id: string; peerURLs: string[] }, context?: V3Context): Promise<MemberUpdateResponse>;

  status(): Promise<StatusResponse>;
  hashKV(request: HashKVRequest, context?: V3Context): Promise<HashKVResponse>;
  alarm(request: AlarmRequest, context?: V3Context): Promise<AlarmResponse>;
  /**
   * Nothing to defragment in SQLite-backed storage: does nothing and answers as etcd does when
   * it has defragmented (an empty response, no header).
   */
  defragment(context?: V3Context): Promise<Record<string, never>>;

  /** The Auth service (etcd's AuthServer); an API without one answers every Auth call Unimplemented. */
  readonly auth?: V3AuthApi;

  /** The header every response carries, as of now. */
  header(): ResponseHeader;

  /**
   * Whether this member is a learner (etcd's `IsMemberExist(ID) && IsLearner()`, by the
   * membership): its v3rpc interceptors then refuse every call but Status and serializable Range.
   */
  isLearner(): boolean;
}
