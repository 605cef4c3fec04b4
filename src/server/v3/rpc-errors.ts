import { LeaseError } from '../../lease/index.ts';
import { CompactedError, FutureRevError } from '../../mvcc/index.ts';
import { Rpc, RpcError } from './errors.ts';

/**
 * etcd's v3rpc `togRPCError` (etcdserver/api/v3rpc/util.go): the store's and lessor's errors as a
 * client sees them. Anything else is an internal fault and stays as it is (the caller decides).
 */
export function toRpcError(error: unknown): unknown {
  if (error instanceof RpcError) return error;
  if (error instanceof CompactedError) return Rpc.Compacted;
  if (error instanceof FutureRevError) return Rpc.FutureRev;
  if (error instanceof LeaseError) {
    switch (error.code) {
      case 'ErrLeaseNotFound':
        return Rpc.LeaseNotFound;
      case 'ErrLeaseExists':
        return Rpc.LeaseExist;
      case 'ErrLeaseTTLTooLarge':
        return Rpc.LeaseTTLTooLarge;
      case 'ErrNotPrimary':
        return Rpc.NotLeader;
    }
  }
  return error;
}

/** The membership's and server's errors by their etcd messages (v3rpc/util.go `toGRPCErrorMap`). */
export function membershipRpcError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  switch (message) {
    case 'membership: ID removed':
    case 'membership: ID not found':
      return Rpc.MemberNotFound;
    case 'membership: ID exists':
      return Rpc.MemberExist;
    case 'membership: peerURL exists':
      return Rpc.PeerURLExist;
    case 'membership: can only promote a learner member':
      return Rpc.MemberNotLearner;
    case 'membership: too many learner members in cluster':
      return Rpc.TooManyLearners;
    case 'etcdserver: re-configuration failed due to not enough started members':
      return Rpc.MemberNotEnoughStarted;
    case 'etcdserver: unhealthy cluster':
      return Rpc.Unhealthy;
    default:
      return toServerRpcError(error);
  }
}

/** etcd's server errors (leader changed, timeouts, stopped) by message, as `togRPCError` maps them. */
export function toServerRpcError(error: unknown): unknown {
  if (error instanceof RpcError) return error;
  const message = error instanceof Error ? error.message : '';
  for (const candidate of Object.values(Rpc)) if (candidate.message === message) return candidate;
  return toRpcError(error);
}
