import type { Bytes, Event, KeyValue, LeaseId } from '../../mvcc/index.ts';

/**
 * etcd 3.4's `etcdserverpb` messages (etcdserver/etcdserverpb/rpc.proto) as the member's v3
 * applier takes and answers them. Field names are the proto's in camelCase; the JSON gateway
 * (src/http/v3) and the gRPC server (src/grpc) map the wire forms onto these.
 *
 * Types: `bytes` is a byte string (see mvcc's `Bytes`); `int64` revisions, versions, counts and
 * TTLs are numbers (exact below 2^53, which no revision reaches; a larger wire value compares
 * the same way as etcd's int64 against any real revision); lease IDs are bigint (they use all 63
 * bits); member and cluster IDs (`uint64`) are etcd's 16-hex-digit strings (`MemberId`), as the
 * v2 API names them. Absent optional fields are proto3's zero values.
 */

export interface ResponseHeader {
  /** `''` where etcd leaves the field zero (a txn's nested responses). */
  clusterId: string;
  memberId: string;
  /** The key-value store's revision when the request was served. */
  revision: number;
  raftTerm: number;
}

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

export interface RangeRequest {
  key: Bytes;
  /** `''`: the single key; `'\0'`: every key >= key; otherwise [key, rangeEnd). */
  rangeEnd: Bytes;
  limit: number;
  /** <= 0: the current revision. */
  revision: number;
  sortOrder: SortOrder;
  sortTarget: SortTarget;
  serializable: boolean;
  keysOnly: boolean;
  countOnly: boolean;
  minModRevision: number;
  maxModRevision: number;
  minCreateRevision: number;
  maxCreateRevision: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface PutRequest {
  key: Bytes;
  value: Bytes;
  lease: LeaseId;
  prevKv: boolean;
  ignoreValue: boolean;
  ignoreLease: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Bytes;
  rangeEnd: Bytes;
  prevKv: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

export type RequestOp =
  | { requestRange: RangeRequest }
  | { requestPut: PutRequest }
  | { requestDeleteRange: DeleteRangeRequest }
  | { requestTxn: TxnRequest };

/**
 * A txn's nested responses carry a header with only `revision` set, as etcd 3.4's applier leaves
 * them (`v3rpc` fills the outermost header alone): zero IDs and term, which the wire omits.
 */
export type ResponseOp =
  | { responseRange: RangeResponse }
  | { responsePut: PutResponse }
  | { responseDeleteRange: DeleteRangeResponse }
  | { responseTxn: TxnResponse };

export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

/**
 * One compare of a txn. `target` says which member of the target union is compared; proto3's
 * oneof may be unset, in which case the compared value is the target's zero.
 */
export interface Compare {
  result: CompareResult;
  target: CompareTarget;
  key: Bytes;
  rangeEnd: Bytes;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Bytes;
  lease?: LeaseId;
}

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  physical: boolean;
}

export interface CompactionResponse {
  header: ResponseHeader;
}

export interface HashKVRequest {
  revision: number;
}

export interface HashKVResponse {
  header: ResponseHeader;
  /** CRC-32C as etcd computes it over the key bucket up to the revision (uint32). */
  hash: number;
  compactRevision: number;
}

// ---- watch ----

export type WatchFilterType = 'NOPUT' | 'NODELETE';

export interface WatchCreateRequest {
  key: Bytes;
  rangeEnd: Bytes;
  /** <= 0: from the next revision. */
  startRevision: number;
  progressNotify: boolean;
  filters: WatchFilterType[];
  prevKv: boolean;
  /** 0: the server picks one (etcd 3.4 accepts a client's ID). */
  watchId: number;
  fragment: boolean;
}

export type WatchRequest =
  | { createRequest: WatchCreateRequest }
  | { cancelRequest: { watchId: number } }
  | { progressRequest: Record<string, never> };

export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  created: boolean;
  canceled: boolean;
  /** Set when the watch was cancelled because its start revision is compacted. */
  compactRevision: number;
  cancelReason: string;
  fragment: boolean;
  events: Event[];
}

// ---- lease ----

export interface LeaseGrantRequest {
  /** Seconds. */
  ttl: number;
  /** 0: the server generates one. */
  id: LeaseId;
}

export interface LeaseGrantResponse {
  header: ResponseHeader;
  id: LeaseId;
  ttl: number;
  error: string;
}

export interface LeaseRevokeRequest {
  id: LeaseId;
}

export interface LeaseRevokeResponse {
  header: ResponseHeader;
}

export interface LeaseKeepAliveRequest {
  id: LeaseId;
}

export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  id: LeaseId;
  /** The renewed TTL in seconds; 0 (or below) when the lease is gone. */
  ttl: number;
}

export interface LeaseTimeToLiveRequest {
  id: LeaseId;
  keys: boolean;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  id: LeaseId;
  /** Remaining seconds; -1 when the lease does not exist. */
  ttl: number;
  grantedTtl: number;
  keys: Bytes[];
}

export interface LeaseLeasesResponse {
  header: ResponseHeader;
  leases: { id: LeaseId }[];
}

// ---- cluster and maintenance ----

export interface V3Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MemberListResponse {
  header: ResponseHeader;
  members: V3Member[];
}

export interface MemberAddResponse {
  header: ResponseHeader;
  member: V3Member;
  members: V3Member[];
}

export interface MemberRemoveResponse {
  header: ResponseHeader;
  members: V3Member[];
}

export interface MemberUpdateResponse {
  header: ResponseHeader;
  members: V3Member[];
}

export interface MemberPromoteResponse {
  header: ResponseHeader;
  members: V3Member[];
}

/** etcd's `Hash`: a CRC-32C of the whole backend, at the header's revision. */
export interface HashResponse {
  header: ResponseHeader;
  hash: number;
}

export type AlarmType = 'NONE' | 'NOSPACE' | 'CORRUPT';
export type AlarmAction = 'GET' | 'ACTIVATE' | 'DEACTIVATE';

export interface AlarmMember {
  memberId: string;
  alarm: AlarmType;
}

export interface AlarmRequest {
  action: AlarmAction;
  /** 0 (`''` here): every member. */
  memberId: string;
  alarm: AlarmType;
}

/** etcd 3.4 answers alarms with no header at all (its maintenance server does not fill one). */
export interface AlarmResponse {
  header?: ResponseHeader;
  alarms: AlarmMember[];
}

export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  leader: string;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  errors: string[];
  dbSizeInUse: number;
  isLearner: boolean;
}
