import type { ResponseHeader, V3Api } from '../../server/index.ts';

/**
 * What the gateway serves from: a member's `V3Api`, plus the calls etcd's gateway also routes
 * that `V3Api` does not (yet) have. A missing one is answered as grpc-go answers a method the
 * server does not register (501, "unknown method X for service Y").
 */
export interface V3GatewayApi extends V3Api {
  /** `/v3/maintenance/snapshot`: the chunks of the stream, in order. */
  snapshot?(): AsyncIterable<{ header?: ResponseHeader; remainingBytes: number; blob: string }>;
  /** The Auth service, by etcd's method names (`UserAdd`, ...), messages as etcd-messages.ts types them. */
  auth?: AuthApi;
}

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

export interface AuthApi {
  call(method: AuthMethod, request: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** The gateway's typed messages beyond rpc.ts: v3lockpb and v3electionpb. */
export interface LockRequest {
  name: string;
  lease: bigint;
}

export interface LeaderKey {
  name: string;
  key: string;
  rev: number;
  lease: bigint;
}
