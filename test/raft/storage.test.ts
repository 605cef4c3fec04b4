import { MemoryStorage } from '../../src/raft/index.ts';
import { describeStorageContract } from './storage-contract.ts';

describeStorageContract('MemoryStorage', () => new MemoryStorage(), { reopen: (s) => s });
