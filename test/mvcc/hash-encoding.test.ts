import { describe, expect, it } from 'vitest';
import { crc32c, marshalKeyValue } from '../../src/mvcc/index.ts';

const bytes = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe('crc32c', () => {
  it('is CRC-32C (Castagnoli): the standard check value of "123456789"', () => {
    expect(crc32c('123456789')).toBe(0xe3069283);
    expect(crc32c('')).toBe(0);
  });
});

describe('marshalKeyValue', () => {
  it('writes the fields in number order as proto3 varints and length-delimited bytes', () => {
    const out = marshalKeyValue({ key: 'foo', createRevision: 2, modRevision: 300, version: 1, value: 'bar', lease: 0n });
    expect(bytes(out)).toEqual([0x0a, 3, 0x66, 0x6f, 0x6f, 0x10, 2, 0x18, 0xac, 0x02, 0x20, 1, 0x2a, 3, 0x62, 0x61, 0x72]);
  });

  it('omits zero fields: a tombstone is its key alone', () => {
    expect(bytes(marshalKeyValue({ key: 'k', createRevision: 0, modRevision: 0, version: 0, value: '', lease: 0n }))).toEqual([0x0a, 1, 0x6b]);
  });

  it('writes a 63-bit lease and a negative int64 as Go does (10 bytes for a negative)', () => {
    const lease = marshalKeyValue({ key: '', createRevision: 0, modRevision: 0, version: 0, value: '', lease: 2n ** 63n - 1n });
    expect(bytes(lease)).toEqual([0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    const negative = marshalKeyValue({ key: '', createRevision: -1, modRevision: 0, version: 0, value: '', lease: 0n });
    expect(bytes(negative)).toEqual([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('carries bytes 0x00-0xff through unchanged, with a multi-byte length', () => {
    const value = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    const out = marshalKeyValue({ key: '', createRevision: 0, modRevision: 0, version: 0, value, lease: 0n });
    expect(bytes(out.slice(0, 3))).toEqual([0x2a, 0x80, 0x02]);
    expect(out.slice(3)).toBe(value);
  });
});
