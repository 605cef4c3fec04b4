/**
 * The gRPC status codes etcd's errors carry (google.golang.org/grpc/codes). The JSON gateway
 * renders a code as an HTTP status (grpc-gateway's `HTTPStatusFromCode`) and the gRPC server
 * passes it through, so clients' retry and error logic sees what etcd's would.
 */
export const GrpcCode = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/**
 * An error as a v3 client receives it: etcd's `rpctypes` errors (etcdserver/api/v3rpc/rpctypes),
 * a gRPC code and etcd's exact message.
 */
export class RpcError extends Error {
  constructor(
    readonly code: GrpcCode,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  /** How an outcome holding it is saved with a snapshot (the applied-request window). */
  toJSON(): { code: GrpcCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

const rpc = (code: GrpcCode, message: string): RpcError => new RpcError(code, message);

/** etcd's `rpctypes.ErrGRPC*`, by their etcd names. Compare errors by `message`. */
export const Rpc = {
  EmptyKey: rpc(GrpcCode.InvalidArgument, 'etcdserver: key is not provided'),
  KeyNotFound: rpc(GrpcCode.InvalidArgument, 'etcdserver: key not found'),
  ValueProvided: rpc(GrpcCode.InvalidArgument, 'etcdserver: value is provided'),
  LeaseProvided: rpc(GrpcCode.InvalidArgument, 'etcdserver: lease is provided'),
  TooManyOps: rpc(GrpcCode.InvalidArgument, 'etcdserver: too many operations in txn request'),
  DuplicateKey: rpc(GrpcCode.InvalidArgument, 'etcdserver: duplicate key given in txn request'),
  Compacted: rpc(GrpcCode.OutOfRange, 'etcdserver: mvcc: required revision has been compacted'),
  FutureRev: rpc(GrpcCode.OutOfRange, 'etcdserver: mvcc: required revision is a future revision'),
  NoSpace: rpc(GrpcCode.ResourceExhausted, 'etcdserver: mvcc: database space exceeded'),

  LeaseNotFound: rpc(GrpcCode.NotFound, 'etcdserver: requested lease not found'),
  LeaseExist: rpc(GrpcCode.FailedPrecondition, 'etcdserver: lease already exists'),
  LeaseTTLTooLarge: rpc(GrpcCode.OutOfRange, 'etcdserver: too large lease TTL'),

  WatchCanceled: rpc(GrpcCode.Canceled, 'etcdserver: watch canceled'),

  MemberExist: rpc(GrpcCode.FailedPrecondition, 'etcdserver: member ID already exist'),
  PeerURLExist: rpc(GrpcCode.FailedPrecondition, 'etcdserver: Peer URLs already exists'),
  MemberNotEnoughStarted: rpc(GrpcCode.FailedPrecondition, 'etcdserver: re-configuration failed due to not enough started members'),
  MemberBadURLs: rpc(GrpcCode.InvalidArgument, 'etcdserver: given member URLs are invalid'),
  MemberNotFound: rpc(GrpcCode.NotFound, 'etcdserver: member not found'),
  MemberNotLearner: rpc(GrpcCode.FailedPrecondition, 'etcdserver: can only promote a learner member'),
  LearnerNotReady: rpc(GrpcCode.FailedPrecondition, 'etcdserver: can only promote a learner member which is in sync with leader'),
  TooManyLearners: rpc(GrpcCode.FailedPrecondition, 'etcdserver: too many learner members in cluster'),

  RequestTooLarge: rpc(GrpcCode.InvalidArgument, 'etcdserver: request is too large'),
  TooManyRequests: rpc(GrpcCode.ResourceExhausted, 'etcdserver: too many requests'),

  RootUserNotExist: rpc(GrpcCode.FailedPrecondition, 'etcdserver: root user does not exist'),
  RootRoleNotExist: rpc(GrpcCode.FailedPrecondition, 'etcdserver: root user does not have root role'),
  UserAlreadyExist: rpc(GrpcCode.FailedPrecondition, 'etcdserver: user name already exists'),
  UserEmpty: rpc(GrpcCode.InvalidArgument, 'etcdserver: user name is empty'),
  UserNotFound: rpc(GrpcCode.FailedPrecondition, 'etcdserver: user name not found'),
  RoleAlreadyExist: rpc(GrpcCode.FailedPrecondition, 'etcdserver: role name already exists'),
  RoleNotFound: rpc(GrpcCode.FailedPrecondition, 'etcdserver: role name not found'),
  RoleEmpty: rpc(GrpcCode.InvalidArgument, 'etcdserver: role name is empty'),
  AuthFailed: rpc(GrpcCode.InvalidArgument, 'etcdserver: authentication failed, invalid user ID or password'),
  PermissionDenied: rpc(GrpcCode.PermissionDenied, 'etcdserver: permission denied'),
  RoleNotGranted: rpc(GrpcCode.FailedPrecondition, 'etcdserver: role is not granted to the user'),
  PermissionNotGranted: rpc(GrpcCode.FailedPrecondition, 'etcdserver: permission is not granted to the role'),
  AuthNotEnabled: rpc(GrpcCode.FailedPrecondition, 'etcdserver: authentication is not enabled'),
  InvalidAuthToken: rpc(GrpcCode.Unauthenticated, 'etcdserver: invalid auth token'),
  InvalidAuthMgmt: rpc(GrpcCode.InvalidArgument, 'etcdserver: invalid auth management'),
  AuthOldRevision: rpc(GrpcCode.InvalidArgument, 'etcdserver: revision of auth store is old'),

  NoLeader: rpc(GrpcCode.Unavailable, 'etcdserver: no leader'),
  NotLeader: rpc(GrpcCode.FailedPrecondition, 'etcdserver: not leader'),
  LeaderChanged: rpc(GrpcCode.Unavailable, 'etcdserver: leader changed'),
  NotCapable: rpc(GrpcCode.Unavailable, 'etcdserver: not capable'),
  Stopped: rpc(GrpcCode.Unavailable, 'etcdserver: server stopped'),
  Timeout: rpc(GrpcCode.Unavailable, 'etcdserver: request timed out'),
  TimeoutDueToLeaderFail: rpc(GrpcCode.Unavailable, 'etcdserver: request timed out, possibly due to previous leader failure'),
  TimeoutDueToConnectionLost: rpc(GrpcCode.Unavailable, 'etcdserver: request timed out, possibly due to connection lost'),
  TimeoutWaitAppliedIndex: rpc(GrpcCode.Unavailable, 'etcdserver: request timed out, waiting for the applied index took too long'),
  Unhealthy: rpc(GrpcCode.Unavailable, 'etcdserver: unhealthy cluster'),
  Corrupt: rpc(GrpcCode.DataLoss, 'etcdserver: corrupt cluster'),
  NotSupportedForLearner: rpc(GrpcCode.Unavailable, 'etcdserver: rpc not supported for learner'),
  BadLeaderTransferee: rpc(GrpcCode.FailedPrecondition, 'etcdserver: bad leader transferee'),
} as const;
