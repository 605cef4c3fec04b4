/**
 * etcd 3.4's lessor (lease/) in TypeScript: the public face of `src/lease`. Pure: no clocks, no
 * I/O; time comes in as `nowMs`, persistence goes out through the synchronous `LeaseStore` port.
 * Nothing else is to be imported from this folder.
 */
export { Lessor, type LessorOptions, type TimeToLive } from './lessor.ts';
export { FOREVER, FOREVER_SECONDS, NO_LEASE, type LeaseId, type ReadonlyLease } from './lease.ts';
export { LeaseError, LEASE_ERROR_MESSAGES, type LeaseErrorCode } from './errors.ts';
export type { LeaseAttachments, LeaseStore, PersistedLease } from './ports.ts';
export { MAX_CHECKPOINT_BATCH, type LeaseCheckpoint } from './checkpoints.ts';
export { IdGenerator } from './id-generator.ts';
export {
  DEFAULT_EXPIRED_LEASE_RETRY_MS,
  DEFAULT_REVOKE_RATE,
  MAX_LEASE_TTL,
  etcdServerLessorOptions,
  minLeaseTtl,
} from './config.ts';
