import { sha1 } from './sha1.ts';

/**
 * etcd's 64-bit IDs, as 16 lower-case hex digits (`types.ID.String()` prints them without leading
 * zeros; `formatId` does the same). JavaScript numbers cannot hold 64 bits, so IDs stay strings.
 */
export type MemberId = string;

/** The first 8 bytes of SHA-1(data), big-endian, as etcd's `binary.BigEndian.Uint64(hash[:8])`. */
function idFromDigest(data: string): MemberId {
  const digest = sha1(utf8(data));
  let hex = '';
  for (let i = 0; i < 8; i++) hex += digest[i]!.toString(16).padStart(2, '0');
  return formatId(hex);
}

/** etcd's `types.ID.String()`: hex without leading zeros. */
export function formatId(hex: string): MemberId {
  const trimmed = hex.toLowerCase().replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}

/**
 * etcd's `membership.NewMember`: SHA-1 over the sorted peer URLs, the cluster token and, for a
 * member added at run time, the Unix time in seconds.
 */
export function computeMemberId(peerURLs: readonly string[], clusterToken: string, addedAtUnixSeconds?: number): MemberId {
  let data = [...peerURLs].sort().join('') + clusterToken;
  if (addedAtUnixSeconds !== undefined) data += String(addedAtUnixSeconds);
  return idFromDigest(data);
}

/**
 * etcd's `RaftCluster.genID`: SHA-1 over the member IDs in ascending numeric order, each as 8
 * big-endian bytes.
 */
export function computeClusterId(memberIds: readonly MemberId[]): MemberId {
  const sorted = [...memberIds].map((id) => BigInt(`0x${id}`)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bytes = new Uint8Array(sorted.length * 8);
  const view = new DataView(bytes.buffer);
  sorted.forEach((id, i) => view.setBigUint64(i * 8, id));
  const digest = sha1(bytes);
  let hex = '';
  for (let i = 0; i < 8; i++) hex += digest[i]!.toString(16).padStart(2, '0');
  return formatId(hex);
}

/** Numeric order of two IDs (etcd sorts members by ID as uint64). */
export function compareIds(a: MemberId, b: MemberId): number {
  const x = BigInt(`0x${a}`);
  const y = BigInt(`0x${b}`);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** UTF-8 bytes of a string (Go hashes the string's bytes; the core has no TextEncoder). */
function utf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of text) {
    const c = char.codePointAt(0)!;
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(bytes);
}
