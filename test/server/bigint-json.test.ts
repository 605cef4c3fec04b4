import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWithBigInts, stringifyWithBigInts } from '../../src/server/bigint-json.ts';
import { decodeBase64, encodeBase64 } from '../../src/server/byte-base64.ts';

const byteString = fc.uint8Array({ maxLength: 400 }).map((b) => String.fromCharCode(...b));

describe('log records as JSON', () => {
  it('base64 of byte strings is standard base64', () => {
    fc.assert(
      fc.property(byteString, (bytes) => {
        const encoded = encodeBase64(bytes);
        return encoded === Buffer.from(bytes, 'latin1').toString('base64') && decodeBase64(encoded) === bytes;
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips bigints, byte strings of any bytes and text, and keeps binary values near their size', () => {
    fc.assert(
      fc.property(byteString, fc.string(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (bytes, text, id) => {
        const record = { key: bytes, name: text, lease: id, nested: [{ value: bytes }] };
        expect(parseWithBigInts(stringifyWithBigInts(record))).toEqual(record);
      }),
      { numRuns: 300 },
    );
    const binary = '\x07'.repeat(100_000);
    const json = stringifyWithBigInts({ value: binary });
    // As plain JSON it would be 600,000 characters (`\u0007` each).
    expect(json.length).toBeLessThan(140_000);
    expect(parseWithBigInts<{ value: string }>(json).value).toBe(binary);
  });
});
