import { describe, expect, it } from 'vitest';
import { GoJsonDecoder, decodeFirst } from '../../../src/http/v3/go-json-decoder.ts';
import { checkValid } from '../../../src/http/v3/go-json-scanner.ts';
import { bytesOf, parseValid, textOf, unquote } from '../../../src/http/v3/go-json-value.ts';
import { goQuote, quoteChar } from '../../../src/http/v3/go-quote.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const first = (text: string) => decodeFirst(bytes(text));
const errorOf = (text: string): string | undefined => {
  const decoded = first(text);
  return 'error' in decoded ? decoded.error : undefined;
};

/** Each text is what Go 1.19's json.Decoder says (the oracle tests check the same bytes on etcd). */
describe("Go's json.Decoder errors", () => {
  const cases: [string, string][] = [
    ['garbage', "invalid character 'g' looking for beginning of value"],
    ['{"key":"Zm9v",}', "invalid character '}' looking for beginning of object key string"],
    ['{"key" "Zm9v"}', `invalid character '"' after object key`],
    ['{key:1}', "invalid character 'k' looking for beginning of object key string"],
    ['{"key":"\\x"}', "invalid character 'x' in string escape code"],
    ['{"key":"\\u00zz"}', "invalid character 'z' in \\u hexadecimal character escape"],
    ['{"key":01}', "invalid character '1' after object key:value pair"],
    ['{"limit":-}', "invalid character '}' in numeric literal"],
    ['{"limit":1.}', "invalid character '}' after decimal point in numeric literal"],
    ['{"limit":1e}', "invalid character '}' in exponent of numeric literal"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":tx}', "invalid character 'x' in literal true (expecting 'r')"],
    ['{"a":nul}', "invalid character '}' in literal null (expecting 'l')"],
    ['{"a":"\u0001"}', "invalid character '\\x01' in string literal"],
    ['{"a":"x\n"}', "invalid character '\\n' in string literal"],
    ["'x'", "invalid character '\\'' looking for beginning of value"],
    ['{"key":"Zm9v"', 'unexpected EOF'],
    ['tru', 'unexpected EOF'],
    ['-', 'unexpected EOF'],
    ['\u00e9', "invalid character 'Ã' looking for beginning of value"],
  ];
  for (const [input, error] of cases) {
    it(`refuses ${JSON.stringify(input)} with "${error}"`, () => expect(errorOf(input)).toBe(error));
  }

  it('stops after the first value and never reads what follows it', () => {
    expect(first('{"key":"Zm9v"} garbage')).toEqual({ value: parseValid(bytes('{"key":"Zm9v"}')) });
    expect(first('{"a":1}}')).toHaveProperty('value');
  });

  it('ends a top-level number at the first byte that cannot continue it, whatever that byte is', () => {
    expect(first('5x')).toEqual({ value: { kind: 'number', text: '5' } });
  });

  it('reads white space alone as the end of the input, not as an error', () => {
    expect(first('')).toEqual({ eof: true });
    expect(first(' \n\t')).toEqual({ eof: true });
  });

  it('refuses nesting deeper than 10000', () => {
    expect(errorOf('['.repeat(10_001))).toBe("invalid character '[' exceeded max depth");
    expect(errorOf('['.repeat(10_000))).toBe('unexpected EOF');
  });

  it('decodes a stream of values that arrive in pieces, each when it is complete', () => {
    const decoder = new GoJsonDecoder();
    decoder.push(bytes('{"a":'));
    expect(decoder.next()).toEqual({ more: true });
    decoder.push(bytes('1}{"b"'));
    expect(decoder.next()).toHaveProperty('value');
    expect(decoder.next()).toEqual({ more: true });
    decoder.push(bytes(':2} 7'));
    expect(decoder.next()).toHaveProperty('value');
    // A number at the end of the data may go on: it is complete only at the end of the input.
    expect(decoder.next()).toEqual({ more: true });
    decoder.end();
    expect(decoder.next()).toEqual({ value: { kind: 'number', text: '7' } });
    expect(decoder.next()).toEqual({ eof: true });
  });

  it('keeps its first error for every later call', () => {
    const decoder = new GoJsonDecoder();
    decoder.push(bytes('{} x {}'));
    decoder.end();
    expect(decoder.next()).toHaveProperty('value');
    expect(decoder.next()).toEqual({ error: "invalid character 'x' looking for beginning of value" });
    expect(decoder.next()).toEqual({ error: "invalid character 'x' looking for beginning of value" });
  });
});

describe("json.Unmarshal's whole-document check (a quoted int64's content)", () => {
  it('refuses trailing bytes and empty input as Unmarshal does', () => {
    expect(checkValid(bytes('5x'))).toBe("invalid character 'x' after top-level value");
    expect(checkValid(bytes(''))).toBe('unexpected end of JSON input');
    expect(checkValid(bytes(' 5 '))).toBeUndefined();
    expect(checkValid(bytes('{'))).toBe('unexpected end of JSON input');
  });
});

describe('JSON values as Go holds them', () => {
  it('keeps the last value of a repeated key, as a Go map does', () => {
    const value = parseValid(bytes('{"k":1,"k":2}'));
    expect(value.kind === 'object' && value.fields.get('k')).toEqual({ kind: 'number', text: '2' });
  });

  it('decodes escapes to UTF-8 and replaces each byte that is not UTF-8 by U+FFFD, one at a time', () => {
    expect(textOf(unquote(bytes('a\\u00e9\\ud83d\\ude00')))).toBe('aé😀');
    expect(textOf(unquote(bytes('\\ud83d')))).toBe('\ufffd');
    // E2 82 is a cut-short three-byte sequence: Go replaces each of its bytes (WHATWG merges them).
    expect(unquote(new Uint8Array([0xe2, 0x82, 0x41]))).toBe('\xef\xbf\xbd\xef\xbf\xbdA');
    expect(unquote(bytesOf('\xed\xa0\x80'))).toBe('\xef\xbf\xbd'.repeat(3));
  });

  it('keeps a number as its literal text (int64 needs every digit)', () => {
    expect(parseValid(bytes('[9223372036854775807,-1.5e3]'))).toEqual({
      kind: 'array',
      items: [
        { kind: 'number', text: '9223372036854775807' },
        { kind: 'number', text: '-1.5e3' },
      ],
    });
  });
});

describe("Go's quoting in error texts", () => {
  it("quotes a byte as the rune of the same number, the way the scanner's quoteChar does", () => {
    expect(quoteChar(0x27)).toBe("'\\''");
    expect(quoteChar(0x22)).toBe(`'"'`);
    expect(quoteChar(0x5c)).toBe("'\\\\'");
    expect(quoteChar(0x0a)).toBe("'\\n'");
    expect(quoteChar(0x01)).toBe("'\\x01'");
    expect(quoteChar(0x85)).toBe("'\\u0085'");
    expect(quoteChar(0xc3)).toBe("'Ã'");
  });

  it('quotes a byte string as strconv.Quote does: invalid UTF-8 as \\x, printable runes as they are', () => {
    expect(goQuote('DESC\\u0045ND')).toBe('"DESC\\\\u0045ND"');
    expect(goQuote('\xff"\t')).toBe('"\\xff\\"\\t"');
    expect(goQuote('\xc3\xa9')).toBe('"é"');
  });
});
