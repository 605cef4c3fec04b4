import type { AuthMethod, V3Context } from '../../server/index.ts';
import * as m from './etcd-messages.ts';
import { unimplemented } from './grpc-status.ts';
import type { MessageType } from './proto-schema.ts';
import { unary, type GatewayCall, type RouteHandler } from './unary.ts';

const AUTH = 'etcdserverpb.Auth';

/**
 * The Auth service's routes (rpc.pb.gw.go `/v3/auth/...`): each decodes its message and calls the
 * member's Auth service by etcd's method name, with the caller's token. An API without an Auth
 * service (a gateway in front of something else) answers as grpc-go does for a missing service.
 */
export function authHandler(method: AuthMethod, request: MessageType, response: MessageType, context: (call: GatewayCall) => V3Context): RouteHandler {
  return unary<Record<string, unknown>, Record<string, unknown>>(request, response, async (r, call) => {
    const auth = call.api.auth;
    if (auth === undefined) throw unimplemented(AUTH, method);
    return (await auth.call(method, r, context(call))) as unknown as Record<string, unknown>;
  });
}

/** Every Auth route: path, method, request and response messages. */
export const AUTH_ROUTES: [string, AuthMethod, MessageType, MessageType][] = [
  ['/v3/auth/enable', 'AuthEnable', m.AuthEnableRequest, m.AuthHeaderResponse],
  ['/v3/auth/disable', 'AuthDisable', m.AuthDisableRequest, m.AuthHeaderResponse],
  ['/v3/auth/authenticate', 'Authenticate', m.AuthenticateRequest, m.AuthenticateResponse],
  ['/v3/auth/user/add', 'UserAdd', m.AuthUserAddRequest, m.AuthHeaderResponse],
  ['/v3/auth/user/get', 'UserGet', m.AuthUserGetRequest, m.AuthUserGetResponse],
  ['/v3/auth/user/list', 'UserList', m.AuthUserListRequest, m.AuthUserListResponse],
  ['/v3/auth/user/delete', 'UserDelete', m.AuthUserDeleteRequest, m.AuthHeaderResponse],
  ['/v3/auth/user/changepw', 'UserChangePassword', m.AuthUserChangePasswordRequest, m.AuthHeaderResponse],
  ['/v3/auth/user/grant', 'UserGrantRole', m.AuthUserGrantRoleRequest, m.AuthHeaderResponse],
  ['/v3/auth/user/revoke', 'UserRevokeRole', m.AuthUserRevokeRoleRequest, m.AuthHeaderResponse],
  ['/v3/auth/role/add', 'RoleAdd', m.AuthRoleAddRequest, m.AuthHeaderResponse],
  ['/v3/auth/role/get', 'RoleGet', m.AuthRoleGetRequest, m.AuthRoleGetResponse],
  ['/v3/auth/role/list', 'RoleList', m.AuthRoleListRequest, m.AuthRoleListResponse],
  ['/v3/auth/role/delete', 'RoleDelete', m.AuthRoleDeleteRequest, m.AuthHeaderResponse],
  ['/v3/auth/role/grant', 'RoleGrantPermission', m.AuthRoleGrantPermissionRequest, m.AuthHeaderResponse],
  ['/v3/auth/role/revoke', 'RoleRevokePermission', m.AuthRoleRevokePermissionRequest, m.AuthHeaderResponse],
];
