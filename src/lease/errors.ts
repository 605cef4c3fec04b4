/**
 * The lessor's errors (lease/lessor.go's `var (...)` block), word for word etcd's. The v3 layers
 * map them to rpctypes (`ErrLeaseNotFound` -> "etcdserver: requested lease not found", ...) as
 * etcd's v3rpc `togRPCError` does; the lessor itself knows nothing of gRPC.
 */
export const LEASE_ERROR_MESSAGES = {
  ErrNotPrimary: 'not a primary lessor',
  ErrLeaseNotFound: 'lease not found',
  ErrLeaseExists: 'lease already exists',
  ErrLeaseTTLTooLarge: 'too large lease TTL',
} as const;

export type LeaseErrorCode = keyof typeof LEASE_ERROR_MESSAGES;

export class LeaseError extends Error {
  constructor(readonly code: LeaseErrorCode) {
    super(LEASE_ERROR_MESSAGES[code]);
    this.name = 'LeaseError';
  }
}
