import { describe, expect, it } from 'vitest';
import { asText, decodeValue, displayBytes, encodeValue, fromText, naturalEncoding, prefixEnd, toBase64 } from '../../src/ui/model/bytes.ts';

describe("the console's v3 bytes", () => {
  it('are UTF-8 bytes of what the user typed, and base64 as the gateway wants', () => {
    const bytes = fromText('héllo ✓');
    expect(bytes.length).toBe(10);
    expect(toBase64(bytes)).toBe('aMOpbGxvIOKckw==');
    expect(asText(bytes)).toBe('héllo ✓');
  });

  it('show as text only when they are valid UTF-8 without control characters', () => {
    expect(asText('\xff\xfe')).toBeUndefined();
    expect(asText('a\x00b')).toBeUndefined();
    expect(asText('line\nnext\ttab')).toBe('line\nnext\ttab');
    expect(naturalEncoding('\x00\xff')).toBe('base64');
    expect(displayBytes('key\x00\xff')).toBe('key\\x00\\xff');
  });

  it('round-trip through every encoding, and refuse what is not hex or base64', () => {
    const binary = '\x00\xff\x10';
    for (const encoding of ['text', 'hex', 'base64'] as const) {
      if (encoding === 'text') continue;
      expect(decodeValue(encodeValue(binary, encoding), encoding)).toBe(binary);
    }
    expect(encodeValue(binary, 'hex')).toBe('00ff10');
    expect(decodeValue('00 ff 10', 'hex')).toBe(binary);
    expect(() => decodeValue('0g', 'hex')).toThrow(/not hex/);
    expect(() => decodeValue('AP8', 'base64')).toThrow(/not base64/);
    expect(decodeValue('✓', 'text')).toBe(fromText('✓'));
  });

  it("end a prefix's range as clientv3's GetPrefixRangeEnd does", () => {
    expect(prefixEnd('app/')).toBe('app0');
    expect(prefixEnd('a\xff')).toBe('b');
    expect(prefixEnd('\xff\xff')).toBe('\0');
  });
});
