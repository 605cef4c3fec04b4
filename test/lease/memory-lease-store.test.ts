import { MemoryLeaseStore } from '../helpers/memory-lease-store.ts';
import { describeLeaseStoreContract } from './lease-store-contract.ts';

describeLeaseStoreContract('MemoryLeaseStore', () => new MemoryLeaseStore());
