import type { Bytes } from './kv.ts';

/**
 * A range end as the v3 API spells it (rpc.proto's `range_end`): '' for the key alone, '\0' for
 * every key >= key, otherwise the keys in [key, end). etcd's mvcc spells the first two as nil and
 * an empty slice (the applier's `mkGteRange` converts); here the wire form goes all the way down,
 * so no layer has to convert and '' never means two things.
 */
export const SINGLE_KEY: Bytes = '';
export const FROM_KEY: Bytes = '\0';

export const isSingleKey = (end: Bytes): boolean => end === SINGLE_KEY;
export const isFromKey = (end: Bytes): boolean => end === FROM_KEY;

/** Whether `key` falls in the range (key, end) in the wire form above. */
export function rangeContains(start: Bytes, end: Bytes, key: Bytes): boolean {
  if (isSingleKey(end)) return key === start;
  if (isFromKey(end)) return key >= start;
  return key >= start && key < end;
}
