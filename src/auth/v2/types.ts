/**
 * etcd 3.4's v2 auth data (etcdserver/api/v2auth/auth.go). A Go slice may be nil or empty, and
 * etcd tells the two apart (nil encodes as `null`, and `reflect.DeepEqual` says a user with nil
 * roles changed when they became empty), so a slice here is `string[] | null`, a pointer
 * `T | null`.
 */

/** `StorePermsPrefix`: v2 auth lives in the v2 store under `/2`, beside `/0` and `/1`. */
export const STORE_PERMS_PREFIX = '/2';
export const ROOT_ROLE_NAME = 'root';
export const GUEST_ROLE_NAME = 'guest';

export interface User {
  user: string;
  /** The stored hash; in a request, the new password in clear. */
  password: string;
  roles: string[] | null;
  grant: string[] | null;
  revoke: string[] | null;
}

export interface RWPermission {
  read: string[] | null;
  write: string[] | null;
}

export interface Permissions {
  kv: RWPermission;
}

export interface Role {
  role: string;
  permissions: Permissions;
  grant: Permissions | null;
  revoke: Permissions | null;
}

export function emptyUser(): User {
  return { user: '', password: '', roles: null, grant: null, revoke: null };
}

export function emptyRole(): Role {
  return { role: '', permissions: { kv: { read: null, write: null } }, grant: null, revoke: null };
}

/** The root role is built in: every key, read and write (etcd's `rootRole`). */
export function rootRole(): Role {
  return { role: ROOT_ROLE_NAME, permissions: { kv: { read: ['/*'], write: ['/*'] } }, grant: null, revoke: null };
}

/** The guest role `EnableAuth` creates when there is none: also every key (etcd's `guestRole`). */
export function guestRole(): Role {
  return { role: GUEST_ROLE_NAME, permissions: { kv: { read: ['/*'], write: ['/*'] } }, grant: null, revoke: null };
}

/**
 * `v2auth.Error`: an HTTP status and a message, which etcd's handlers answer as
 * `{"message": ...}` (httptypes.HTTPError).
 */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** `Permissions.IsEmpty` (nil or no read and no write patterns). */
export function isEmptyPermissions(p: Permissions | null): boolean {
  return p === null || ((p.kv.read?.length ?? 0) === 0 && (p.kv.write?.length ?? 0) === 0);
}
