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
