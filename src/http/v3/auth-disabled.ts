import { Rpc, type V3Api } from '../../server/index.ts';
import type { AuthApi, AuthMethod } from './gateway-api.ts';
import { unimplemented } from './grpc-status.ts';

/**
 * The Auth service until the member has one: what etcd 3.4 answers with authentication disabled
 * and no users or roles (a fresh cluster), which is everything but a successful add: lists are
 * empty, disabling is a no-op, enabling wants a root user, authenticating is refused, and every
 * user or role asked for is not found (checked on the oracle). Adding a user or role would need
 * an auth store, so a named add is Unimplemented, not pretended.
 */
export function authDisabled(api: V3Api): AuthApi {
  return {
    async call(method: AuthMethod, request: Record<string, unknown>): Promise<Record<string, unknown>> {
      switch (method) {
        case 'AuthDisable':
        case 'UserList':
        case 'RoleList':
          return { header: api.header() };
        case 'AuthEnable':
          throw Rpc.RootUserNotExist;
        case 'Authenticate':
          throw Rpc.AuthNotEnabled;
        case 'UserAdd':
          if (request.name === '') throw Rpc.UserEmpty;
          throw unimplemented('etcdserverpb.Auth', method);
        case 'RoleAdd':
          if (request.name === '') throw Rpc.RoleEmpty;
          throw unimplemented('etcdserverpb.Auth', method);
        case 'UserGet':
        case 'UserDelete':
        case 'UserChangePassword':
        case 'UserGrantRole':
        case 'UserRevokeRole':
          throw Rpc.UserNotFound;
        case 'RoleGet':
        case 'RoleDelete':
        case 'RoleGrantPermission':
        case 'RoleRevokePermission':
          throw Rpc.RoleNotFound;
      }
    },
  };
}
