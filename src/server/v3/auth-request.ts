import type { Permission, PermissionType } from '../../auth/index.ts';

/**
 * etcd's Auth requests as they travel through the Raft log (raft_internal.proto: `AuthEnable`,
 * `Authenticate` as `InternalAuthenticateRequest`, `AuthUserAdd`, ...). Passwords are already
 * hashed by the member that took the request (etcd hashes while applying, with bcrypt's random
 * salt, so its members keep different hashes; here every member keeps the same), and an
 * Authenticate carries the proposer's random token prefix instead of the password, as etcd's does.
 */
export type AuthOperation =
  | { authEnable: Record<string, never> }
  | { authDisable: Record<string, never> }
  | { authenticate: { name: string; simpleToken: string } }
  | { authUserAdd: { name: string; password: string; noPassword: boolean } }
  | { authUserDelete: { name: string } }
  | { authUserChangePassword: { name: string; password: string } }
  | { authUserGrantRole: { user: string; role: string } }
  | { authUserGet: { name: string } }
  | { authUserRevokeRole: { name: string; role: string } }
  | { authRoleAdd: { name: string } }
  | { authRoleGrantPermission: { name: string; perm: Permission } }
  | { authRoleGet: { role: string } }
  | { authRoleRevokePermission: { role: string; key: string; rangeEnd: string } }
  | { authRoleDelete: { role: string } }
  | { authUserList: Record<string, never> }
  | { authRoleList: Record<string, never> };

/**
 * etcd's `RequestHeader.Username` and `AuthRevision`: who proposed the request and at which auth
 * revision its token was checked (anonymous: '' and 0). `system` marks what a member proposes
 * itself (expired leases' revokes, a quota alarm), which etcd runs with a root token (`WithRoot`).
 */
export interface RequestAuth {
  username: string;
  revision: number;
  system?: boolean;
}

export const ANONYMOUS: RequestAuth = { username: '', revision: 0 };
export const SYSTEM: RequestAuth = { username: '', revision: 0, system: true };

const AUTH_KEYS = new Set([
  'authEnable', 'authDisable', 'authenticate', 'authUserAdd', 'authUserDelete', 'authUserChangePassword', 'authUserGrantRole',
  'authUserGet', 'authUserRevokeRole', 'authRoleAdd', 'authRoleGrantPermission', 'authRoleGet', 'authRoleRevokePermission',
  'authRoleDelete', 'authUserList', 'authRoleList',
]);

type Loose = Record<string, unknown>;

/** Whether a decoded log operation is one of the Auth requests. */
export function isAuthOperationKey(op: Record<string, Loose>): boolean {
  const key = Object.keys(op)[0];
  return key !== undefined && AUTH_KEYS.has(key);
}

/** An Auth request read back from the log, with the zero values the encoding left out. */
export function authOperationWithDefaults(op: Record<string, Loose>): AuthOperation {
  const [key, body = {}] = Object.entries(op)[0]!;
  switch (key) {
    case 'authenticate':
      return { authenticate: { name: '', simpleToken: '', ...body } };
    case 'authUserAdd':
      return { authUserAdd: { name: '', password: '', noPassword: false, ...body } };
    case 'authUserDelete':
    case 'authUserGet':
    case 'authRoleAdd':
      return { [key]: { name: '', ...body } } as AuthOperation;
    case 'authUserChangePassword':
      return { authUserChangePassword: { name: '', password: '', ...body } };
    case 'authUserGrantRole':
      return { authUserGrantRole: { user: '', role: '', ...body } };
    case 'authUserRevokeRole':
      return { authUserRevokeRole: { name: '', role: '', ...body } };
    case 'authRoleGrantPermission': {
      const perm = { permType: 'READ' as PermissionType, key: '', rangeEnd: '', ...((body.perm ?? {}) as Loose) } as Permission;
      return { authRoleGrantPermission: { name: '', ...body, perm } } as AuthOperation;
    }
    case 'authRoleRevokePermission':
      return { authRoleRevokePermission: { role: '', key: '', rangeEnd: '', ...body } };
    case 'authRoleGet':
    case 'authRoleDelete':
      return { [key]: { role: '', ...body } } as AuthOperation;
    default:
      return { [key]: {} } as AuthOperation;
  }
}

/** etcd's `needAdminPermission`: the Auth requests only a root user may make (all but Authenticate, UserGet, RoleGet). */
export function needsAdmin(op: object): boolean {
  return !('authenticate' in op) && !('authUserGet' in op) && !('authRoleGet' in op) && Object.keys(op).some((k) => AUTH_KEYS.has(k));
}
