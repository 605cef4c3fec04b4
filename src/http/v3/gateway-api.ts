import type { MemberListResponse, ResponseHeader, V3Api, V3Context } from '../../server/index.ts';

/**
 * What the gateway serves from: a member's `V3Api`, plus the calls etcd's gateway also routes
 * that `V3Api` does not (yet) have. A missing one is answered as grpc-go answers a method the
 * server does not register (501, "unknown method X for service Y").
 */
export interface V3GatewayApi extends V3Api {
  /** `/v3/maintenance/snapshot`: the chunks of the stream, in order. */
  snapshot?(): AsyncIterable<{ header?: ResponseHeader; remainingBytes: number; blob: string }>;
  /**
   * The admin check of the calls etcd guards that V3Api does not carry a context for (Hash and
   * Snapshot: maintenance, auth errors as they are; MemberPromote: membership, rpctypes errors).
   */
  authorize?(kind: 'maintenance' | 'membership', context: V3Context): void;
}

/** The Auth service (the member's): its methods by etcd's names. */
export type { AuthMethod, V3AuthApi as AuthApi } from '../../server/index.ts';

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
