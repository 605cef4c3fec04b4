import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../../src/server/index.ts';
import { internalRequestSize } from '../../../src/server/v3/request-size.ts';
import type { PutRequest } from '../../../src/server/v3/rpc.ts';
import type { V3Operation } from '../../../src/server/v3/v3-request.ts';

const putRequest = (key: string, value: string): PutRequest => ({ key, value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false });
const put = (key: string, value: string): V3Operation => ({ put: putRequest(key, value) });
/** A member ID whose low 16 bits take 15 bits: its request IDs are 63-bit, nine varint bytes. */
const MEMBER = '8e9e05c52164694d';

describe('internalRequestSize: what etcd weighs against --max-request-bytes', () => {
  it("puts the limit where etcd 3.4 puts it: key 'k' takes a value of 1,572,840 bytes and not one more", () => {
    // Measured on etcd 3.4.23 (Debian's): 1572840 accepted, 1572841 "request is too large".
    expect(internalRequestSize(put('k', 'x'.repeat(1_572_840)), undefined, MEMBER)).toBe(MAX_REQUEST_BYTES);
    expect(internalRequestSize(put('k', 'x'.repeat(1_572_841)), undefined, MEMBER)).toBe(MAX_REQUEST_BYTES + 1);
  });

  it('counts a binary value byte for byte (etcd takes 1.4 MB of 0x07 bytes)', () => {
    expect(internalRequestSize(put('k', '\x07'.repeat(1_400_000)), undefined, MEMBER)).toBeLessThan(MAX_REQUEST_BYTES);
  });

  it('counts the proposer in the header, and txns by their compares and operations', () => {
    const anonymous = internalRequestSize(put('a', 'b'), undefined, MEMBER);
    expect(internalRequestSize(put('a', 'b'), { username: 'alice', revision: 7 }, MEMBER)).toBe(anonymous + 7 + 2);
    const txn: V3Operation = {
      txn: {
        compare: [{ result: 'EQUAL', target: 'VALUE', key: 'a', rangeEnd: '', value: 'b' }],
        success: [{ requestPut: putRequest('a', 'c') }],
        failure: [],
      },
    };
    // compare: key (3) + target VALUE (2) + value (3) = 8, framed 10; success: put (6) in a
    // RequestOp (8), framed 10; the txn (20) framed by op tag and length: 22; header 2 + 1 + 10.
    expect(internalRequestSize(txn, undefined, MEMBER)).toBe(22 + 13);
  });
});
