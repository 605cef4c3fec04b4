import { MemoryBackend } from '../helpers/memory-backend.ts';
import { describeBackendContract } from './backend-contract.ts';

// A restart keeps the same object: the map is the memory backend's "disk".
describeBackendContract('MemoryBackend', () => new MemoryBackend(), { reopen: (b) => b });
