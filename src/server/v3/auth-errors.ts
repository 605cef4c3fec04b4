import { V3AuthError, type V3AuthErrorCode } from '../../auth/index.ts';
import { GrpcCode, Rpc, RpcError } from './errors.ts';

/**
 * The auth store's errors as v3rpc's `togRPCError` renders them (etcdserver/api/v3rpc/util.go):
 * each has its rpctypes error. `ErrNoPasswordUser` has none, so a client gets gRPC's Unknown with
 * the auth store's own text (what etcd answers a login as a no-password user).
 */
const TO_RPC: Record<V3AuthErrorCode, RpcError | undefined> = {
  ErrRootUserNotExist: Rpc.RootUserNotExist,
  ErrRootRoleNotExist: Rpc.RootRoleNotExist,
  ErrUserAlreadyExist: Rpc.UserAlreadyExist,
  ErrUserEmpty: Rpc.UserEmpty,
  ErrUserNotFound: Rpc.UserNotFound,
  ErrRoleAlreadyExist: Rpc.RoleAlreadyExist,
  ErrRoleNotFound: Rpc.RoleNotFound,
  ErrRoleEmpty: Rpc.RoleEmpty,
  ErrAuthFailed: Rpc.AuthFailed,
  ErrNoPasswordUser: undefined,
  ErrPermissionDenied: Rpc.PermissionDenied,
  ErrRoleNotGranted: Rpc.RoleNotGranted,
  ErrPermissionNotGranted: Rpc.PermissionNotGranted,
  ErrAuthNotEnabled: Rpc.AuthNotEnabled,
  ErrAuthOldRevision: Rpc.AuthOldRevision,
  ErrInvalidAuthToken: Rpc.InvalidAuthToken,
  ErrInvalidAuthMgmt: Rpc.InvalidAuthMgmt,
};

export function authRpcError(error: V3AuthError): RpcError {
  return TO_RPC[error.code] ?? new RpcError(GrpcCode.Unknown, error.message);
}

/**
 * What etcd's maintenance server answers when its admin check fails (v3rpc/maintenance.go
 * `isAuthenticated`): the auth store's error as it is, which gRPC sends as Unknown with its text
 * (`auth: user name is empty`).
 */
export function rawAuthRpcError(error: V3AuthError): RpcError {
  return new RpcError(GrpcCode.Unknown, error.message);
}

/**
 * The cancel reason of a watch its creator may not make (v3rpc/watch.go): the rpctypes error's
 * whole text as grpc-go prints it (`rpc error: code = PermissionDenied desc = ...`); any error but
 * a bad token, an old revision or a missing user reads "permission denied".
 */
export function watchCancelReason(error: V3AuthError): string {
  const rpc = error.code === 'ErrInvalidAuthToken' ? Rpc.InvalidAuthToken : error.code === 'ErrAuthOldRevision' ? Rpc.AuthOldRevision : error.code === 'ErrUserEmpty' ? Rpc.UserEmpty : Rpc.PermissionDenied;
  return `rpc error: code = ${GRPC_CODE_NAMES[rpc.code]} desc = ${rpc.message}`;
}

/** grpc-go's `codes.Code.String()`. */
const GRPC_CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(GrpcCode).map(([name, code]) => [code, name]));

/** An auth store error as the client gets it, or undefined for anything else. */
export function asAuthRpcError(error: unknown): RpcError | undefined {
  return error instanceof V3AuthError ? authRpcError(error) : undefined;
}
