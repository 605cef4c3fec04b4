/**
 * Protobuf's wire sizes, shared by the two places that weigh a request as etcd does: the
 * gateway's receive limit (src/http/v3/proto-size.ts) and `--max-request-bytes`
 * (request-size.ts).
 */

/**
 * The bytes of a varint holding `n`: a non-negative integer, or a negative int64/int32, which
 * proto3 sign-extends to ten bytes. Numbers stay numbers (a BigInt per field would cost the hot
 * path); 64-bit values come as bigints.
 */
export function varintSize(n: number | bigint): number {
  if (n < 0) return 10;
  let size = 1;
  if (typeof n === 'number') {
    for (; n >= 0x80; n = Math.floor(n / 0x80)) size++;
    return size;
  }
  for (; n >= 0x80n; n >>= 7n) size++;
  return size;
}

/** A length prefix and what it prefixes. */
export function delimited(length: number): number {
  return varintSize(length) + length;
}
