/**
 * Every unary RPC of etcd 3.4's services and the gateway path it is bound to (the
 * `google.api.http` options stripped from proto/, kept there as comments). `idempotent` marks the
 * calls that may be sent twice when a connection fails mid-call: reads with no side effect. Writes
 * (put, delete, txn, compact, grants, revokes, member changes, auth changes, lock, campaign) are
 * not: a second send may apply twice.
 */
export interface UnaryRoute {
  path: string;
  idempotent: boolean;
}

const read = (path: string): UnaryRoute => ({ path, idempotent: true });
const write = (path: string): UnaryRoute => ({ path, idempotent: false });

export const UNARY_ROUTES: Record<string, Record<string, UnaryRoute>> = {
  'etcdserverpb.KV': {
    // A range is a read; a txn may hold only reads, but which it holds is the caller's business.
    Range: read('/v3/kv/range'),
    Put: write('/v3/kv/put'),
    DeleteRange: write('/v3/kv/deleterange'),
    Txn: write('/v3/kv/txn'),
    Compact: write('/v3/kv/compaction'),
  },
  'etcdserverpb.Lease': {
    LeaseGrant: write('/v3/lease/grant'),
    LeaseRevoke: write('/v3/lease/revoke'),
    LeaseTimeToLive: read('/v3/lease/timetolive'),
    LeaseLeases: read('/v3/lease/leases'),
  },
  'etcdserverpb.Cluster': {
    MemberAdd: write('/v3/cluster/member/add'),
    MemberRemove: write('/v3/cluster/member/remove'),
    MemberUpdate: write('/v3/cluster/member/update'),
    MemberList: read('/v3/cluster/member/list'),
    MemberPromote: write('/v3/cluster/member/promote'),
  },
  'etcdserverpb.Maintenance': {
    // An alarm request can deactivate; treated as a write.
    Alarm: write('/v3/maintenance/alarm'),
    Status: read('/v3/maintenance/status'),
    Defragment: write('/v3/maintenance/defragment'),
    // etcd 3.4 binds Hash and HashKV both to /v3/maintenance/hash and its gateway serves Hash
    // there. HashKV is tried at /v3/maintenance/hashkv (a gateway that adds it); etcd 3.4 answers
    // that 404, which becomes Unimplemented: forwarding it to /hash would pass Hash's value off
    // as HashKV's.
    Hash: read('/v3/maintenance/hash'),
    HashKV: read('/v3/maintenance/hashkv'),
    MoveLeader: write('/v3/maintenance/transfer-leadership'),
  },
  'etcdserverpb.Auth': {
    AuthEnable: write('/v3/auth/enable'),
    AuthDisable: write('/v3/auth/disable'),
    // Authenticate hands out a new token each time, but changes no state a retry could double.
    Authenticate: read('/v3/auth/authenticate'),
    UserAdd: write('/v3/auth/user/add'),
    UserGet: read('/v3/auth/user/get'),
    UserList: read('/v3/auth/user/list'),
    UserDelete: write('/v3/auth/user/delete'),
    UserChangePassword: write('/v3/auth/user/changepw'),
    UserGrantRole: write('/v3/auth/user/grant'),
    UserRevokeRole: write('/v3/auth/user/revoke'),
    RoleAdd: write('/v3/auth/role/add'),
    RoleGet: read('/v3/auth/role/get'),
    RoleList: read('/v3/auth/role/list'),
    RoleDelete: write('/v3/auth/role/delete'),
    RoleGrantPermission: write('/v3/auth/role/grant'),
    RoleRevokePermission: write('/v3/auth/role/revoke'),
  },
  'v3lockpb.Lock': {
    Lock: write('/v3/lock/lock'),
    Unlock: write('/v3/lock/unlock'),
  },
  'v3electionpb.Election': {
    Campaign: write('/v3/election/campaign'),
    Proclaim: write('/v3/election/proclaim'),
    Leader: read('/v3/election/leader'),
    Resign: write('/v3/election/resign'),
  },
};

/** The server-streaming RPCs: one streaming POST each, its `{"result": …}` lines relayed. */
export const SERVER_STREAM_ROUTES: Record<string, Record<string, string>> = {
  'etcdserverpb.Maintenance': { Snapshot: '/v3/maintenance/snapshot' },
  'v3electionpb.Election': { Observe: '/v3/election/observe' },
};
