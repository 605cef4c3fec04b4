/**
 * etcd's v2 error table (etcdserver/api/v2error/error.go). The codes, messages and HTTP statuses
 * are part of the wire protocol: clients switch on `errorCode`, and the body is byte-compared.
 */
export const ErrorCode = {
  KeyNotFound: 100,
  TestFailed: 101,
  NotFile: 102,
  NoMorePeer: 103,
  NotDir: 104,
  NodeExist: 105,
  KeyIsPreserved: 106,
  RootROnly: 107,
  DirNotEmpty: 108,
  ExistingPeerAddr: 109,
  Unauthorized: 110,

  ValueRequired: 200,
  PrevValueRequired: 201,
  TTLNaN: 202,
  IndexNaN: 203,
  ValueOrTTLRequired: 204,
  TimeoutNaN: 205,
  NameRequired: 206,
  IndexOrValueRequired: 207,
  IndexValueMutex: 208,
  InvalidField: 209,
  InvalidForm: 210,
  RefreshValue: 211,
  RefreshTTLRequired: 212,

  RaftInternal: 300,
  LeaderElect: 301,

  WatcherCleared: 400,
  EventIndexCleared: 401,
  StandbyInternal: 402,
  InvalidActiveSize: 403,
  InvalidRemoveDelay: 404,

  ClientInternal: 500,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** code → message, word for word etcd's. */
export const ERROR_MESSAGES: ReadonlyMap<number, string> = new Map([
  [ErrorCode.KeyNotFound, 'Key not found'],
  [ErrorCode.TestFailed, 'Compare failed'],
  [ErrorCode.NotFile, 'Not a file'],
  [ErrorCode.NoMorePeer, 'Reached the max number of peers in the cluster'],
  [ErrorCode.NotDir, 'Not a directory'],
  [ErrorCode.NodeExist, 'Key already exists'],
  [ErrorCode.KeyIsPreserved, 'The prefix of given key is a keyword in etcd'],
  [ErrorCode.RootROnly, 'Root is read only'],
  [ErrorCode.DirNotEmpty, 'Directory not empty'],
  [ErrorCode.ExistingPeerAddr, 'Peer address has existed'],
  [ErrorCode.Unauthorized, 'The request requires user authentication'],

  [ErrorCode.ValueRequired, 'Value is Required in POST form'],
  [ErrorCode.PrevValueRequired, 'PrevValue is Required in POST form'],
  [ErrorCode.TTLNaN, 'The given TTL in POST form is not a number'],
  [ErrorCode.IndexNaN, 'The given index in POST form is not a number'],
  [ErrorCode.ValueOrTTLRequired, 'Value or TTL is required in POST form'],
  [ErrorCode.TimeoutNaN, 'The given timeout in POST form is not a number'],
  [ErrorCode.NameRequired, 'Name is required in POST form'],
  [ErrorCode.IndexOrValueRequired, 'Index or value is required'],
  [ErrorCode.IndexValueMutex, 'Index and value cannot both be specified'],
  [ErrorCode.InvalidField, 'Invalid field'],
  [ErrorCode.InvalidForm, 'Invalid POST form'],
  [ErrorCode.RefreshValue, 'Value provided on refresh'],
  [ErrorCode.RefreshTTLRequired, 'A TTL must be provided on refresh'],

  [ErrorCode.RaftInternal, 'Raft Internal Error'],
  [ErrorCode.LeaderElect, 'During Leader Election'],

  [ErrorCode.WatcherCleared, 'watcher is cleared due to etcd recovery'],
  [ErrorCode.EventIndexCleared, 'The event in requested index is outdated and cleared'],
  [ErrorCode.StandbyInternal, 'Standby Internal Error'],
  [ErrorCode.InvalidActiveSize, 'Invalid active size'],
  [ErrorCode.InvalidRemoveDelay, 'Standby remove delay'],

  [ErrorCode.ClientInternal, 'Client Internal Error'],
]);

/** code → HTTP status; etcd answers 400 for every code not listed. */
export const ERROR_STATUS: ReadonlyMap<number, number> = new Map([
  [ErrorCode.KeyNotFound, 404],
  [ErrorCode.NotFile, 403],
  [ErrorCode.DirNotEmpty, 403],
  [ErrorCode.Unauthorized, 401],
  [ErrorCode.TestFailed, 412],
  [ErrorCode.NodeExist, 412],
  [ErrorCode.RaftInternal, 500],
  [ErrorCode.LeaderElect, 500],
]);

/** The JSON body etcd writes for an error; `cause` is omitted when empty (Go's `omitempty`). */
export interface EtcdErrorJSON {
  errorCode: number;
  message: string;
  cause?: string;
  index: number;
}

/** An etcd v2 error: thrown by the store, rendered by the HTTP layer as `toJSON()` with `status`. */
export class EtcdError extends Error {
  readonly errorCode: number;
  override readonly cause: string;
  /** The store index when the error happened (`X-Etcd-Index` and the body's `index`). */
  index: number;

  constructor(errorCode: number, cause = '', index = 0) {
    const message = ERROR_MESSAGES.get(errorCode) ?? '';
    // An EtcdError is an answer (key not found, 401), not a fault: no stack trace is captured.
    // Capturing one was 8% of a member's thread under a flood of 401s.
    const v8 = Error as ErrorConstructor & { stackTraceLimit?: number | undefined };
    const stackTraceLimit = v8.stackTraceLimit;
    v8.stackTraceLimit = 0;
    super(message);
    v8.stackTraceLimit = stackTraceLimit;
    this.name = 'EtcdError';
    this.errorCode = errorCode;
    this.cause = cause;
    this.index = index;
  }

  /** The HTTP status etcd answers with (v2error `StatusCode`). */
  get status(): number {
    return ERROR_STATUS.get(this.errorCode) ?? 400;
  }

  /** A copy with another cause, e.g. with the `/1` key prefix trimmed, as the HTTP layer does. */
  withCause(cause: string): EtcdError {
    return new EtcdError(this.errorCode, cause, this.index);
  }

  toJSON(): EtcdErrorJSON {
    const { errorCode, message, cause, index } = this;
    return cause === '' ? { errorCode, message, index } : { errorCode, message, cause, index };
  }
}
