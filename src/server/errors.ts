/**
 * etcd's server errors (etcdserver/errors.go). The keys API renders them as errorCode 300
 * "Raft Internal Error" with the message as the cause; the members API as HTTP 500.
 */
export class ServerError extends Error {
  static readonly Timeout = 'etcdserver: request timed out';
  static readonly TimeoutDueToLeaderFail = 'etcdserver: request timed out, possibly due to previous leader failure';
  static readonly LeaderChanged = 'etcdserver: leader changed';
  static readonly NoLeader = 'etcdserver: no leader';
  static readonly NotLeader = 'etcdserver: not leader';
  static readonly Stopped = 'etcdserver: server stopped';
  static readonly RequestTooLarge = 'etcdserver: request is too large';
  static readonly NoSpace = 'etcdserver: no space';
  /** edgecd's own (etcd has no watcher cap): a member holds at most `--max-watchers` v2 long polls. */
  static readonly TooManyWatchers = 'etcdserver: too many watchers';
  static readonly UnknownMethod = 'etcdserver: unknown method';
  static readonly NotEnoughStartedMembers = 'etcdserver: re-configuration failed due to not enough started members';
  static readonly Unhealthy = 'etcdserver: unhealthy cluster';
  static readonly LearnerNotReady = 'etcdserver: can only promote a learner member which is in sync with leader';
  static readonly BadLeaderTransferee = 'etcdserver: bad leader transferee';
  static readonly TimeoutLeaderTransfer = 'etcdserver: request timed out, leader transfer took too long';
  static readonly Removed = 'the member has been permanently removed from the cluster';

  constructor(message: string) {
    super(message);
    this.name = 'ServerError';
  }
}
