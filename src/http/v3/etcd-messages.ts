import { enumType, field, message, type FieldKind, type FieldSpec, type MessageType } from './proto-schema.ts';

/**
 * The messages the gateway reads and writes, from etcd 3.4's protos (etcdserverpb/rpc.proto,
 * mvccpb/kv.proto, authpb/auth.proto, v3lockpb, v3electionpb, and grpc-gateway's StreamError),
 * fields in declaration order (Go's struct order; a oneof sits where its first member is).
 */

const msg = (m: () => MessageType): FieldKind => ({ message: m });
const rep = { repeated: true };

// ---- enums: unknown numbers (jsonpb takes any int32) map to the closest known value ----

/** etcd sorts by neither order for an unknown one; NONE is that exactly for the KEY target. */
export const SortOrder = enumType('etcdserverpb.RangeRequest_SortOrder', ['NONE', 'ASCEND', 'DESCEND'], 'NONE');
/** etcd would sort with no sorter (a nil interface: the member crashes); key order instead. */
export const SortTarget = enumType('etcdserverpb.RangeRequest_SortTarget', ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'], 'KEY');
/** etcd's compareKV returns true for an unknown result; EQUAL is the nearest named one. */
export const CompareResult = enumType('etcdserverpb.Compare_CompareResult', ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'], 'EQUAL');
/** etcd compares 0 with 0 for an unknown target. */
export const CompareTarget = enumType('etcdserverpb.Compare_CompareTarget', ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'], 'VERSION');
/** etcd's FiltersFromRequest skips an unknown filter: '' marks it for the watch to drop. */
export const FilterType = enumType('etcdserverpb.WatchCreateRequest_FilterType', ['NOPUT', 'NODELETE'], '');
/** etcd's applier answers an unknown action with no alarms and changes nothing: GET is the nearest. */
export const AlarmAction = enumType('etcdserverpb.AlarmRequest_AlarmAction', ['GET', 'ACTIVATE', 'DEACTIVATE'], 'GET');
export const AlarmType = enumType('etcdserverpb.AlarmType', ['NONE', 'NOSPACE', 'CORRUPT'], 'NONE');
export const EventType = enumType('mvccpb.Event_EventType', ['PUT', 'DELETE'], 'PUT');
export const PermissionType = enumType('authpb.Permission_Type', ['READ', 'WRITE', 'READWRITE'], 'READ');

// ---- mvccpb ----

export const KeyValue: MessageType = message('mvccpb.KeyValue', [
  field('key', 'bytes'),
  field('create_revision', 'int64'),
  field('mod_revision', 'int64'),
  field('version', 'int64'),
  field('value', 'bytes'),
  field('lease', 'lease'),
]);

export const Event: MessageType = message('mvccpb.Event', [
  field('type', { enum: EventType }),
  field('kv', msg(() => KeyValue)),
  field('prev_kv', msg(() => KeyValue)),
]);

// ---- KV ----

export const ResponseHeader: MessageType = message('etcdserverpb.ResponseHeader', [
  field('cluster_id', 'id'),
  field('member_id', 'id'),
  field('revision', 'int64'),
  field('raft_term', 'uint64'),
]);

const header = (): FieldSpec => field('header', msg(() => ResponseHeader));
const headerOnly = (name: string): MessageType => message(name, [header()]);
const empty = (name: string): MessageType => message(name, []);

export const RangeRequest: MessageType = message('etcdserverpb.RangeRequest', [
  field('key', 'bytes'),
  field('range_end', 'bytes'),
  field('limit', 'int64'),
  field('revision', 'int64'),
  field('sort_order', { enum: SortOrder }),
  field('sort_target', { enum: SortTarget }),
  field('serializable', 'bool'),
  field('keys_only', 'bool'),
  field('count_only', 'bool'),
  field('min_mod_revision', 'int64'),
  field('max_mod_revision', 'int64'),
  field('min_create_revision', 'int64'),
  field('max_create_revision', 'int64'),
]);

export const RangeResponse: MessageType = message('etcdserverpb.RangeResponse', [
  header(),
  field('kvs', msg(() => KeyValue), rep),
  field('more', 'bool'),
  field('count', 'int64'),
]);

export const PutRequest: MessageType = message('etcdserverpb.PutRequest', [
  field('key', 'bytes'),
  field('value', 'bytes'),
  field('lease', 'lease'),
  field('prev_kv', 'bool'),
  field('ignore_value', 'bool'),
  field('ignore_lease', 'bool'),
]);

export const PutResponse: MessageType = message('etcdserverpb.PutResponse', [header(), field('prev_kv', msg(() => KeyValue))]);

export const DeleteRangeRequest: MessageType = message('etcdserverpb.DeleteRangeRequest', [
  field('key', 'bytes'),
  field('range_end', 'bytes'),
  field('prev_kv', 'bool'),
]);

export const DeleteRangeResponse: MessageType = message('etcdserverpb.DeleteRangeResponse', [
  header(),
  field('deleted', 'int64'),
  field('prev_kvs', msg(() => KeyValue), rep),
]);

export const RequestOp: MessageType = message('etcdserverpb.RequestOp', [
  field('request_range', msg(() => RangeRequest), { oneof: 'request' }),
  field('request_put', msg(() => PutRequest), { oneof: 'request' }),
  field('request_delete_range', msg(() => DeleteRangeRequest), { oneof: 'request' }),
  field('request_txn', msg(() => TxnRequest), { oneof: 'request' }),
]);

export const ResponseOp: MessageType = message('etcdserverpb.ResponseOp', [
  field('response_range', msg(() => RangeResponse), { oneof: 'response' }),
  field('response_put', msg(() => PutResponse), { oneof: 'response' }),
  field('response_delete_range', msg(() => DeleteRangeResponse), { oneof: 'response' }),
  field('response_txn', msg(() => TxnResponse), { oneof: 'response' }),
]);

export const Compare: MessageType = message('etcdserverpb.Compare', [
  field('result', { enum: CompareResult }),
  field('target', { enum: CompareTarget }),
  field('key', 'bytes'),
  field('version', 'int64', { oneof: 'target_union' }),
  field('create_revision', 'int64', { oneof: 'target_union' }),
  field('mod_revision', 'int64', { oneof: 'target_union' }),
  field('value', 'bytes', { oneof: 'target_union' }),
  field('lease', 'lease', { oneof: 'target_union' }),
  field('range_end', 'bytes', { number: 64 }),
]);

export const TxnRequest: MessageType = message('etcdserverpb.TxnRequest', [
  field('compare', msg(() => Compare), rep),
  field('success', msg(() => RequestOp), rep),
  field('failure', msg(() => RequestOp), rep),
]);

export const TxnResponse: MessageType = message('etcdserverpb.TxnResponse', [
  header(),
  field('succeeded', 'bool'),
  field('responses', msg(() => ResponseOp), rep),
]);

export const CompactionRequest: MessageType = message('etcdserverpb.CompactionRequest', [field('revision', 'int64'), field('physical', 'bool')]);
export const CompactionResponse = headerOnly('etcdserverpb.CompactionResponse');

// ---- watch ----

export const WatchCreateRequest: MessageType = message('etcdserverpb.WatchCreateRequest', [
  field('key', 'bytes'),
  field('range_end', 'bytes'),
  field('start_revision', 'int64'),
  field('progress_notify', 'bool'),
  field('filters', { enum: FilterType }, rep),
  field('prev_kv', 'bool'),
  field('watch_id', 'int64'),
  field('fragment', 'bool'),
]);

export const WatchCancelRequest: MessageType = message('etcdserverpb.WatchCancelRequest', [field('watch_id', 'int64')]);

export const WatchRequest: MessageType = message('etcdserverpb.WatchRequest', [
  field('create_request', msg(() => WatchCreateRequest), { oneof: 'request_union' }),
  field('cancel_request', msg(() => WatchCancelRequest), { oneof: 'request_union' }),
  field('progress_request', msg(() => empty('etcdserverpb.WatchProgressRequest')), { oneof: 'request_union' }),
]);

export const WatchResponse: MessageType = message('etcdserverpb.WatchResponse', [
  header(),
  field('watch_id', 'int64'),
  field('created', 'bool'),
  field('canceled', 'bool'),
  field('compact_revision', 'int64'),
  field('cancel_reason', 'string'),
  field('fragment', 'bool'),
  field('events', msg(() => Event), rep),
]);

// ---- lease ----

const ID = (kind: FieldKind = 'lease'): FieldSpec => field('ID', kind, { ts: 'id' });
const TTL = (): FieldSpec => field('TTL', 'int64', { ts: 'ttl' });

export const LeaseGrantRequest: MessageType = message('etcdserverpb.LeaseGrantRequest', [TTL(), ID()]);
export const LeaseGrantResponse: MessageType = message('etcdserverpb.LeaseGrantResponse', [header(), ID(), TTL(), field('error', 'string')]);
export const LeaseRevokeRequest: MessageType = message('etcdserverpb.LeaseRevokeRequest', [ID()]);
export const LeaseRevokeResponse = headerOnly('etcdserverpb.LeaseRevokeResponse');
export const LeaseKeepAliveRequest: MessageType = message('etcdserverpb.LeaseKeepAliveRequest', [ID()]);
export const LeaseKeepAliveResponse: MessageType = message('etcdserverpb.LeaseKeepAliveResponse', [header(), ID(), TTL()]);
export const LeaseTimeToLiveRequest: MessageType = message('etcdserverpb.LeaseTimeToLiveRequest', [ID(), field('keys', 'bool')]);
export const LeaseTimeToLiveResponse: MessageType = message('etcdserverpb.LeaseTimeToLiveResponse', [
  header(),
  ID(),
  TTL(),
  field('grantedTTL', 'int64', { ts: 'grantedTtl' }),
  field('keys', 'bytes', rep),
]);
export const LeaseLeasesRequest = empty('etcdserverpb.LeaseLeasesRequest');
export const LeaseStatus: MessageType = message('etcdserverpb.LeaseStatus', [ID()]);
export const LeaseLeasesResponse: MessageType = message('etcdserverpb.LeaseLeasesResponse', [header(), field('leases', msg(() => LeaseStatus), rep)]);

// ---- cluster ----

export const Member: MessageType = message('etcdserverpb.Member', [
  ID('id'),
  field('name', 'string'),
  field('peerURLs', 'string', rep),
  field('clientURLs', 'string', rep),
  field('isLearner', 'bool'),
]);

const members = (): FieldSpec => field('members', msg(() => Member), rep);

export const MemberAddRequest: MessageType = message('etcdserverpb.MemberAddRequest', [field('peerURLs', 'string', rep), field('isLearner', 'bool')]);
export const MemberAddResponse: MessageType = message('etcdserverpb.MemberAddResponse', [header(), field('member', msg(() => Member)), members()]);
export const MemberRemoveRequest: MessageType = message('etcdserverpb.MemberRemoveRequest', [ID('id')]);
export const MemberRemoveResponse: MessageType = message('etcdserverpb.MemberRemoveResponse', [header(), members()]);
export const MemberUpdateRequest: MessageType = message('etcdserverpb.MemberUpdateRequest', [ID('id'), field('peerURLs', 'string', rep)]);
export const MemberUpdateResponse: MessageType = message('etcdserverpb.MemberUpdateResponse', [header(), members()]);
export const MemberListRequest = empty('etcdserverpb.MemberListRequest');
export const MemberListResponse: MessageType = message('etcdserverpb.MemberListResponse', [header(), members()]);
export const MemberPromoteRequest: MessageType = message('etcdserverpb.MemberPromoteRequest', [ID('id')]);
export const MemberPromoteResponse: MessageType = message('etcdserverpb.MemberPromoteResponse', [header(), members()]);

// ---- maintenance ----

export const AlarmRequest: MessageType = message('etcdserverpb.AlarmRequest', [
  field('action', { enum: AlarmAction }),
  field('memberID', 'id', { ts: 'memberId' }),
  field('alarm', { enum: AlarmType }),
]);
export const AlarmMember: MessageType = message('etcdserverpb.AlarmMember', [field('memberID', 'id', { ts: 'memberId' }), field('alarm', { enum: AlarmType })]);
export const AlarmResponse: MessageType = message('etcdserverpb.AlarmResponse', [header(), field('alarms', msg(() => AlarmMember), rep)]);
export const StatusRequest = empty('etcdserverpb.StatusRequest');
export const StatusResponse: MessageType = message('etcdserverpb.StatusResponse', [
  header(),
  field('version', 'string'),
  field('dbSize', 'int64'),
  field('leader', 'id'),
  field('raftIndex', 'uint64'),
  field('raftTerm', 'uint64'),
  field('raftAppliedIndex', 'uint64'),
  field('errors', 'string', rep),
  field('dbSizeInUse', 'int64'),
  field('isLearner', 'bool'),
]);
export const DefragmentRequest = empty('etcdserverpb.DefragmentRequest');
export const DefragmentResponse = headerOnly('etcdserverpb.DefragmentResponse');
export const HashRequest = empty('etcdserverpb.HashRequest');
export const HashResponse: MessageType = message('etcdserverpb.HashResponse', [header(), field('hash', 'uint32')]);
export const HashKVRequest: MessageType = message('etcdserverpb.HashKVRequest', [field('revision', 'int64')]);
export const HashKVResponse: MessageType = message('etcdserverpb.HashKVResponse', [header(), field('hash', 'uint32'), field('compact_revision', 'int64')]);
export const SnapshotRequest = empty('etcdserverpb.SnapshotRequest');
export const SnapshotResponse: MessageType = message('etcdserverpb.SnapshotResponse', [header(), field('remaining_bytes', 'uint64'), field('blob', 'bytes')]);
export const MoveLeaderRequest: MessageType = message('etcdserverpb.MoveLeaderRequest', [field('targetID', 'id', { ts: 'targetId' })]);
export const MoveLeaderResponse = headerOnly('etcdserverpb.MoveLeaderResponse');

// ---- auth ----

export const Permission: MessageType = message('authpb.Permission', [
  field('permType', { enum: PermissionType }),
  field('key', 'bytes'),
  field('range_end', 'bytes'),
]);
export const UserAddOptions: MessageType = message('authpb.UserAddOptions', [field('no_password', 'bool')]);

const name = (): FieldSpec => field('name', 'string');
const password = (): FieldSpec => field('password', 'string');
const role = (): FieldSpec => field('role', 'string');

export const AuthEnableRequest = empty('etcdserverpb.AuthEnableRequest');
export const AuthDisableRequest = empty('etcdserverpb.AuthDisableRequest');
export const AuthenticateRequest: MessageType = message('etcdserverpb.AuthenticateRequest', [name(), password()]);
export const AuthUserAddRequest: MessageType = message('etcdserverpb.AuthUserAddRequest', [name(), password(), field('options', msg(() => UserAddOptions))]);
export const AuthUserGetRequest: MessageType = message('etcdserverpb.AuthUserGetRequest', [name()]);
export const AuthUserDeleteRequest: MessageType = message('etcdserverpb.AuthUserDeleteRequest', [name()]);
export const AuthUserChangePasswordRequest: MessageType = message('etcdserverpb.AuthUserChangePasswordRequest', [name(), password()]);
export const AuthUserGrantRoleRequest: MessageType = message('etcdserverpb.AuthUserGrantRoleRequest', [field('user', 'string'), role()]);
export const AuthUserRevokeRoleRequest: MessageType = message('etcdserverpb.AuthUserRevokeRoleRequest', [name(), role()]);
export const AuthRoleAddRequest: MessageType = message('etcdserverpb.AuthRoleAddRequest', [name()]);
export const AuthRoleGetRequest: MessageType = message('etcdserverpb.AuthRoleGetRequest', [role()]);
export const AuthUserListRequest = empty('etcdserverpb.AuthUserListRequest');
export const AuthRoleListRequest = empty('etcdserverpb.AuthRoleListRequest');
export const AuthRoleDeleteRequest: MessageType = message('etcdserverpb.AuthRoleDeleteRequest', [role()]);
export const AuthRoleGrantPermissionRequest: MessageType = message('etcdserverpb.AuthRoleGrantPermissionRequest', [name(), field('perm', msg(() => Permission))]);
export const AuthRoleRevokePermissionRequest: MessageType = message('etcdserverpb.AuthRoleRevokePermissionRequest', [
  role(),
  field('key', 'bytes'),
  field('range_end', 'bytes'),
]);
export const AuthHeaderResponse = headerOnly('etcdserverpb.AuthResponse');
export const AuthenticateResponse: MessageType = message('etcdserverpb.AuthenticateResponse', [header(), field('token', 'string')]);
export const AuthUserGetResponse: MessageType = message('etcdserverpb.AuthUserGetResponse', [header(), field('roles', 'string', rep)]);
export const AuthRoleGetResponse: MessageType = message('etcdserverpb.AuthRoleGetResponse', [header(), field('perm', msg(() => Permission), rep)]);
export const AuthRoleListResponse: MessageType = message('etcdserverpb.AuthRoleListResponse', [header(), field('roles', 'string', rep)]);
export const AuthUserListResponse: MessageType = message('etcdserverpb.AuthUserListResponse', [header(), field('users', 'string', rep)]);

// ---- lock and election ----

export const LockRequest: MessageType = message('v3lockpb.LockRequest', [field('name', 'bytes'), field('lease', 'lease')]);
export const LockResponse: MessageType = message('v3lockpb.LockResponse', [header(), field('key', 'bytes')]);
export const UnlockRequest: MessageType = message('v3lockpb.UnlockRequest', [field('key', 'bytes')]);
export const UnlockResponse = headerOnly('v3lockpb.UnlockResponse');

export const LeaderKey: MessageType = message('v3electionpb.LeaderKey', [
  field('name', 'bytes'),
  field('key', 'bytes'),
  field('rev', 'int64'),
  field('lease', 'lease'),
]);
export const CampaignRequest: MessageType = message('v3electionpb.CampaignRequest', [field('name', 'bytes'), field('lease', 'lease'), field('value', 'bytes')]);
export const CampaignResponse: MessageType = message('v3electionpb.CampaignResponse', [header(), field('leader', msg(() => LeaderKey))]);
export const ProclaimRequest: MessageType = message('v3electionpb.ProclaimRequest', [field('leader', msg(() => LeaderKey)), field('value', 'bytes')]);
export const ProclaimResponse = headerOnly('v3electionpb.ProclaimResponse');
export const LeaderRequest: MessageType = message('v3electionpb.LeaderRequest', [field('name', 'bytes')]);
export const LeaderResponse: MessageType = message('v3electionpb.LeaderResponse', [header(), field('kv', msg(() => KeyValue))]);
export const ResignRequest: MessageType = message('v3electionpb.ResignRequest', [field('leader', msg(() => LeaderKey))]);
export const ResignResponse = headerOnly('v3electionpb.ResignResponse');

// ---- grpc-gateway ----

/** grpc-gateway's `internal.StreamError`: a stream's `{"error": ...}` line. */
export const StreamError: MessageType = message('grpc.gateway.runtime.StreamError', [
  field('grpc_code', 'int32'),
  field('http_code', 'int32'),
  field('message', 'string'),
  field('http_status', 'string'),
]);
