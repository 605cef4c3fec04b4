import type { Permission } from '../../auth/index.ts';
import type { ResponseHeader } from './rpc.ts';

/**
 * etcd 3.4's Auth service messages (etcdserverpb/rpc.proto), as the gateway decodes them (field
 * names as in src/http/v3/etcd-messages.ts). Absent fields are proto3's zero values; an absent
 * message (a grant's `perm`, an add's `options`) is undefined, Go's nil.
 */
export type AuthMethod =
  | 'AuthEnable'
  | 'AuthDisable'
  | 'Authenticate'
  | 'UserAdd'
  | 'UserGet'
  | 'UserList'
  | 'UserDelete'
  | 'UserChangePassword'
  | 'UserGrantRole'
  | 'UserRevokeRole'
  | 'RoleAdd'
  | 'RoleGet'
  | 'RoleList'
  | 'RoleDelete'
  | 'RoleGrantPermission'
  | 'RoleRevokePermission';

export interface AuthenticateRequest {
  name: string;
  password: string;
}

export interface AuthUserAddRequest {
  name: string;
  password: string;
  options?: { noPassword?: boolean };
}

export interface AuthRoleGrantPermissionRequest {
  name: string;
  perm?: Partial<Permission>;
}

export interface AuthRoleRevokePermissionRequest {
  role: string;
  key: string;
  rangeEnd: string;
}

/** Every Auth response: a header, and for some a token or a list. */
export interface AuthResponse {
  header: ResponseHeader;
  token?: string;
  roles?: string[];
  users?: string[];
  perm?: Permission[];
}

/**
 * The member's Auth service (etcd's `AuthServer` over `EtcdServer`'s auth methods), called by
 * method name with the decoded request, as the gateway routes it.
 */
export interface V3AuthApi {
  call(method: AuthMethod, request: Record<string, unknown>, context?: { token?: string; client?: string; requestId?: string }): Promise<AuthResponse>;
}
