import type { DeleteRangeRequest, PutRequest, RangeRequest } from './rpc.ts';

/**
 * The v3 request messages with proto3's zero values filled in: what a decoder starts from and
 * what code that makes requests of its own (lock and election, the log's decoder) builds on.
 */
export function rangeRequest(fields: Partial<RangeRequest> = {}): RangeRequest {
  return {
    key: '',
    rangeEnd: '',
    limit: 0,
    revision: 0,
    sortOrder: 'NONE',
    sortTarget: 'KEY',
    serializable: false,
    keysOnly: false,
    countOnly: false,
    minModRevision: 0,
    maxModRevision: 0,
    minCreateRevision: 0,
    maxCreateRevision: 0,
    ...fields,
  };
}

export function putRequest(fields: Partial<PutRequest> = {}): PutRequest {
  return { key: '', value: '', lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false, ...fields };
}

export function deleteRangeRequest(fields: Partial<DeleteRangeRequest> = {}): DeleteRangeRequest {
  return { key: '', rangeEnd: '', prevKv: false, ...fields };
}
