import type { Bytes } from './kv.ts';

/**
 * etcd's `revision` (mvcc/revision.go): a write transaction takes one `main` revision and each
 * change inside it the next `sub`, so the changes of one main revision are atomic and ordered.
 */
export interface Revision {
  readonly main: number;
  readonly sub: number;
}

/** Byte length of a revision key: 8 bytes main, '_', 8 bytes sub (etcd's `revBytesLen`). */
export const REVISION_KEY_LENGTH = 17;
/** The byte etcd appends to a tombstone's revision key (`markTombstone`). */
export const TOMBSTONE_MARK = 't';

export const ZERO_REVISION: Revision = { main: 0, sub: 0 };

/** a > b, etcd's `revision.GreaterThan`. */
export function revisionGreater(a: Revision, b: Revision): boolean {
  return a.main > b.main || (a.main === b.main && a.sub > b.sub);
}

/** Negative, zero or positive as a is before, equal to or after b. */
export function compareRevisions(a: Revision, b: Revision): number {
  return a.main !== b.main ? a.main - b.main : a.sub - b.sub;
}

/**
 * etcd's `revToBytes`: the key bucket's row key, big-endian so byte order is revision order. A
 * byte string (one char per byte) like every key in this package. Revisions stay below 2^53, so
 * the high bytes are split off arithmetically (a bitwise op would cut at 32 bits).
 */
export function revisionKey(rev: Revision, tombstone = false): Bytes {
  const key = uint64Bytes(rev.main) + '_' + uint64Bytes(rev.sub);
  return tombstone ? key + TOMBSTONE_MARK : key;
}

/** etcd's `bytesToRev` (the tombstone mark, if any, is ignored). */
export function parseRevisionKey(key: Bytes): Revision {
  if (key.length < REVISION_KEY_LENGTH || key[8] !== '_') throw new Error(`not a revision key: ${key.length} bytes`);
  return { main: readUint64(key, 0), sub: readUint64(key, 9) };
}

/** etcd's `isTombstone` on a row key. */
export function isTombstoneKey(key: Bytes): boolean {
  return key.length === REVISION_KEY_LENGTH + 1 && key[REVISION_KEY_LENGTH] === TOMBSTONE_MARK;
}

const TWO_32 = 2 ** 32;

function uint64Bytes(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`revision out of range: ${n}`);
  const high = Math.floor(n / TWO_32);
  const low = n % TWO_32;
  return String.fromCharCode(
    (high >>> 24) & 0xff, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff,
    (low >>> 24) & 0xff, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff,
  );
}

function readUint64(s: string, at: number): number {
  let high = 0;
  let low = 0;
  for (let i = 0; i < 4; i++) high = high * 256 + s.charCodeAt(at + i);
  for (let i = 4; i < 8; i++) low = low * 256 + s.charCodeAt(at + i);
  return high * TWO_32 + low;
}
