/**
 * The v3 auth store's errors (auth/store.go), with etcd's own words. The server turns them into
 * rpctypes errors (etcdserver/api/v3rpc/util.go `toGRPCErrorMap`), or, where etcd passes them on
 * as they are (the maintenance calls, a no-password login), into gRPC's Unknown with this text.
 */
export type V3AuthErrorCode =
  | 'ErrRootUserNotExist'
  | 'ErrRootRoleNotExist'
  | 'ErrUserAlreadyExist'
  | 'ErrUserEmpty'
  | 'ErrUserNotFound'
  | 'ErrRoleAlreadyExist'
  | 'ErrRoleNotFound'
  | 'ErrRoleEmpty'
  | 'ErrAuthFailed'
  | 'ErrNoPasswordUser'
  | 'ErrPermissionDenied'
  | 'ErrRoleNotGranted'
  | 'ErrPermissionNotGranted'
  | 'ErrAuthNotEnabled'
  | 'ErrAuthOldRevision'
  | 'ErrInvalidAuthToken'
  | 'ErrInvalidAuthMgmt';

export const V3_AUTH_ERROR_MESSAGES: Record<V3AuthErrorCode, string> = {
  ErrRootUserNotExist: 'auth: root user does not exist',
  ErrRootRoleNotExist: 'auth: root user does not have root role',
  ErrUserAlreadyExist: 'auth: user already exists',
  ErrUserEmpty: 'auth: user name is empty',
  ErrUserNotFound: 'auth: user not found',
  ErrRoleAlreadyExist: 'auth: role already exists',
  ErrRoleNotFound: 'auth: role not found',
  ErrRoleEmpty: 'auth: role name is empty',
  ErrAuthFailed: 'auth: authentication failed, invalid user ID or password',
  ErrNoPasswordUser: 'auth: authentication failed, password was given for no password user',
  ErrPermissionDenied: 'auth: permission denied',
  ErrRoleNotGranted: 'auth: role is not granted to the user',
  ErrPermissionNotGranted: 'auth: permission is not granted to the role',
  ErrAuthNotEnabled: 'auth: authentication is not enabled',
  ErrAuthOldRevision: 'auth: revision in header is old',
  ErrInvalidAuthToken: 'auth: invalid auth token',
  ErrInvalidAuthMgmt: 'auth: invalid auth management',
};

export class V3AuthError extends Error {
  constructor(readonly code: V3AuthErrorCode) {
    super(V3_AUTH_ERROR_MESSAGES[code]);
    this.name = 'V3AuthError';
  }
}

/** Throws etcd's error named `code`. */
export function authError(code: V3AuthErrorCode): V3AuthError {
  return new V3AuthError(code);
}
