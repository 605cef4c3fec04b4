import type { KeyValue } from './kv.ts';

/**
 * `mvccpb.KeyValue.Marshal()` (gogoproto, proto3): the bytes etcd stores as a key bucket row's
 * value, and so the bytes `HashByRev` checksums. Fields in number order, zero values omitted:
 * key=1 (bytes), create_revision=2, mod_revision=3, version=4 (int64), value=5 (bytes),
 * lease=6 (int64). int64 is a varint of the two's complement, so a negative one takes 10 bytes.
 */
export function marshalKeyValue(kv: KeyValue): string {
  let out = '';
  if (kv.key.length > 0) out += tag(1, 2) + varint(kv.key.length) + kv.key;
  if (kv.createRevision !== 0) out += tag(2, 0) + varint(kv.createRevision);
  if (kv.modRevision !== 0) out += tag(3, 0) + varint(kv.modRevision);
  if (kv.version !== 0) out += tag(4, 0) + varint(kv.version);
  if (kv.value.length > 0) out += tag(5, 2) + varint(kv.value.length) + kv.value;
  if (kv.lease !== 0n) out += tag(6, 0) + bigVarint(kv.lease);
  return out;
}

/** A non-negative safe integer's varint, in float arithmetic (bitwise ops stop at 32 bits). */
function varint(n: number): string {
  if (n < 0 || !Number.isSafeInteger(n)) return bigVarint(BigInt(n));
  let out = '';
  while (n >= 0x80) {
    out += String.fromCharCode((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  return out + String.fromCharCode(n);
}

const tag = (field: number, wireType: number): string => String.fromCharCode((field << 3) | wireType);

function bigVarint(n: bigint): string {
  let v = BigInt.asUintN(64, n);
  let out = '';
  while (v >= 0x80n) {
    out += String.fromCharCode(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  return out + String.fromCharCode(Number(v));
}
