import type { PersistedLease } from '../../lease/index.ts';
import { Crc32c, marshalKeyValue, revisionKey, rowKeyValue, type Backend, type MetaName } from '../../mvcc/index.ts';
import type { Member } from '../cluster.ts';
import type { MemberId } from '../member-id.ts';
import type { AlarmMember, AlarmType, HashResponse } from './rpc.ts';
import type { V3Host } from './v3-server.ts';

/** What etcd 3.4 keeps in its backend (bbolt) besides auth, as this member holds it. */
export interface HashedBackend {
  /** The key bucket and the meta values. */
  kv: Backend;
  alarms: readonly AlarmMember[];
  leases: readonly PersistedLease[];
  members: readonly Member[];
  removed: readonly MemberId[];
  clusterVersion: string | undefined;
}

/** Rows per backend scan while hashing: bounded memory whatever the bucket's size. */
const HASH_SCAN_ROWS = 256;

/**
 * The meta values hashed: all but `consistent_index`, which etcd ignores (`DefaultIgnores`): the
 * applied index may differ between members in the same state.
 */
const HASHED_META: readonly MetaName[] = ['finishedCompactRev', 'scheduledCompactRev'];

/** etcd's `AlarmType` enum numbers (etcdserverpb). */
const ALARM_NUMBER: Record<AlarmType, number> = { NONE: 0, NOSPACE: 1, CORRUPT: 2 };

/**
 * etcd 3.4's `Hash` (maintenance.go -> mvcc `store.Hash` -> `backend.Hash(DefaultIgnores)`): one
 * CRC-32C over every bucket in name order, each bucket's name then its keys and values in key
 * order, in etcd's encodings: `alarm` (marshalled AlarmMember keys), `cluster` (the cluster
 * version), `key` (the 17-byte revision keys and marshalled KeyValues), `lease` (big-endian IDs,
 * marshalled leasepb.Lease), `members` (hex IDs, the member JSON), `members_removed`, `meta`
 * (the compaction revisions; not the consistent index). So every member holding the same state
 * hashes the same, and any change to that state changes the hash (as etcd's corruption check
 * relies on). The buckets of the v3 auth store are not hashed yet.
 *
 * Call it with no compaction pending: etcd hashes the bucket as it is, mid-compaction included,
 * and this member compacts in steps of its own, so the caller waits for the compaction first.
 */
export function hashBackend(backend: HashedBackend): number {
  const h = new Crc32c();
  bucket(h, 'alarm', backend.alarms.map((a) => [marshalAlarmMember(a), '']));
  if (backend.clusterVersion !== undefined) bucket(h, 'cluster', [['clusterVersion', backend.clusterVersion]]);
  h.write('key');
  hashKeyBucket(h, backend.kv);
  bucket(h, 'lease', backend.leases.map((l) => [uint64Bytes(BigInt.asUintN(64, l.id)), marshalLease(l)]));
  bucket(h, 'members', backend.members.map((m) => [hexId(m.id), memberJSON(m)]));
  bucket(h, 'members_removed', backend.removed.map((id) => [hexId(id), 'removed']));
  const meta: [string, string][] = [];
  for (const name of HASHED_META) {
    const value = Number(backend.kv.getMeta(name) ?? -1);
    // etcd writes these only when a compaction is scheduled or done; this backend may hold
    // -1 or 0 for "never" after a snapshot install.
    if (value > 0) meta.push([name, revisionKey({ main: value, sub: 0 })]);
  }
  bucket(h, 'meta', meta);
  return h.sum();
}

/**
 * etcd 3.4's maintenance Hash (v3rpc/maintenance.go `Hash`): the whole backend (`hashBackend`)
 * and the store's revision, read in one synchronous step once no compaction is pending (this
 * member compacts in steps, and the hash must not depend on how far it got).
 */
export async function backendHashResponse(host: V3Host): Promise<HashResponse> {
  do await host.compactionDone();
  while (host.kv.compactionPending());
  const { members, removed, clusterVersion } = host.membershipState();
  const hash = hashBackend({
    kv: host.backends.kv,
    alarms: host.alarms.get('NONE'),
    leases: host.backends.leases.all(),
    members,
    removed,
    clusterVersion,
  });
  return { header: host.header(), hash };
}

/** A bucket: its name, then its pairs in bbolt's order (bytewise by key). */
function bucket(h: Crc32c, name: string, pairs: [string, string][]): void {
  h.write(name);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of pairs) {
    h.write(key);
    h.write(value);
  }
}

/** The key bucket in revision order (its byte order), a page at a time. */
function hashKeyBucket(h: Crc32c, kv: Backend): void {
  let from = { main: 0, sub: 0 };
  const to = { main: Number.MAX_SAFE_INTEGER, sub: 0 };
  for (;;) {
    const rows = kv.scanKeyRows({ from, to }, HASH_SCAN_ROWS);
    for (const row of rows) {
      h.write(revisionKey(row, row.tombstone));
      h.write(marshalKeyValue(rowKeyValue(row)));
    }
    if (rows.length < HASH_SCAN_ROWS) return;
    const last = rows[rows.length - 1]!;
    from = { main: last.main, sub: last.sub + 1 };
  }
}

/** `AlarmMember.Marshal()`: member ID (field 1) and alarm (field 2) as varints, zeros left out. */
function marshalAlarmMember(a: AlarmMember): string {
  const id = BigInt(`0x${a.memberId === '' ? '0' : a.memberId}`);
  const alarm = ALARM_NUMBER[a.alarm];
  return (id === 0n ? '' : '\x08' + varint(id)) + (alarm === 0 ? '' : '\x10' + varint(BigInt(alarm)));
}

/** `leasepb.Lease.Marshal()`: ID, TTL, RemainingTTL (fields 1-3, int64 varints, zeros left out). */
function marshalLease(l: PersistedLease): string {
  let out = '';
  if (l.id !== 0n) out += '\x08' + varint(l.id);
  if (l.ttl !== 0) out += '\x10' + varint(BigInt(l.ttl));
  if (l.remainingTtl !== 0) out += '\x18' + varint(BigInt(l.remainingTtl));
  return out;
}

/** `json.Marshal(Member)`: ID as a number; `isLearner`, `name` and `clientURLs` omitted when empty. */
function memberJSON(m: Member): string {
  let json = `{"id":${BigInt(`0x${m.id}`).toString()},"peerURLs":${goJSON(m.peerURLs)}`;
  if (m.isLearner) json += ',"isLearner":true';
  if (m.name !== '') json += `,"name":${goJSON(m.name)}`;
  if (m.clientURLs.length > 0) json += `,"clientURLs":${goJSON(m.clientURLs)}`;
  return utf8(`${json}}`);
}

/** Go's JSON for strings escapes HTML's three and the JavaScript line separators. */
function goJSON(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `types.ID.String()`: hex without leading zeros. */
function hexId(id: MemberId): string {
  return BigInt(`0x${id}`).toString(16);
}

function uint64Bytes(n: bigint): string {
  let out = '';
  for (let shift = 56n; shift >= 0n; shift -= 8n) out += String.fromCharCode(Number((n >> shift) & 0xffn));
  return out;
}

/** A varint of the value's 64-bit two's complement (a negative int64 takes 10 bytes). */
function varint(n: bigint): string {
  let v = BigInt.asUintN(64, n);
  let out = '';
  while (v >= 0x80n) {
    out += String.fromCharCode(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  return out + String.fromCharCode(Number(v));
}

/** A string's UTF-8 bytes as a byte string (one char per byte), as the hash reads bytes. */
function utf8(text: string): string {
  let out = '';
  for (const char of text) {
    const c = char.codePointAt(0)!;
    if (c < 0x80) out += char;
    else if (c < 0x800) out += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out += String.fromCharCode(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}
