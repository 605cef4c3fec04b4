/**
 * How Go prints characters and byte strings in the error texts the gateway returns: the JSON
 * scanner's `quoteChar` (encoding/json/scanner.go) and `strconv.Quote` (what `%q` prints for a
 * `[]byte`, e.g. jsonpb's `unknown value %q for enum`). Go strings are bytes; here a byte string
 * is a JS string of code units 0-255, and the result is ordinary (Unicode) text.
 */

/**
 * `quoteChar(c)`: `'x'`; `'\''` and `'"'` written out; anything else as `strconv.Quote` writes
 * the rune `string(c)` (a byte >= 0x80 is the rune U+0080-U+00FF, not a UTF-8 sequence).
 */
export function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  return `'${quoteRune(c)}'`;
}

/** `strconv.Quote(s)` for a byte string: printable runes as they are, the rest escaped. */
export function goQuote(bytes: string): string {
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const { rune, size } = decodeRune(bytes, i);
    if (rune === -1) out += `\\x${hex2(bytes.charCodeAt(i))}`;
    else if (rune === 0x22) out += '\\"';
    else out += quoteRune(rune);
    i += size;
  }
  return `${out}"`;
}

/** One rune as `strconv.Quote` writes it (without the surrounding quotes). */
function quoteRune(rune: number): string {
  if (rune === 0x5c) return '\\\\';
  if (isPrint(rune)) return String.fromCodePoint(rune);
  switch (rune) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (rune < 0x20 || rune === 0x7f) return `\\x${hex2(rune)}`;
  if (rune < 0x10000) return `\\u${rune.toString(16).padStart(4, '0')}`;
  return `\\U${rune.toString(16).padStart(8, '0')}`;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrint(rune: number): boolean {
  if (rune === 0x20) return true;
  if (rune < 0x20 || rune === 0x7f) return false;
  return PRINTABLE.test(String.fromCodePoint(rune));
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/**
 * Go's `utf8.DecodeRune` over a byte string: the rune at `i` and its length, or rune -1 (Go's
 * `RuneError` for bad input) with length 1 for anything that is not well-formed UTF-8.
 */
export function decodeRune(bytes: string, i: number): { rune: number; size: number } {
  const b0 = bytes.charCodeAt(i);
  if (b0 < 0x80) return { rune: b0, size: 1 };
  const cont = (k: number, lo = 0x80, hi = 0xbf): number => {
    const b = i + k < bytes.length ? bytes.charCodeAt(i + k) : -1;
    return b >= lo && b <= hi ? b & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const b1 = cont(1);
    return b1 < 0 ? BAD : { rune: ((b0 & 0x1f) << 6) | b1, size: 2 };
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const b1 = cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf);
    const b2 = b1 < 0 ? -1 : cont(2);
    return b2 < 0 ? BAD : { rune: ((b0 & 0x0f) << 12) | (b1 << 6) | b2, size: 3 };
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const b1 = cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf);
    const b2 = b1 < 0 ? -1 : cont(2);
    const b3 = b2 < 0 ? -1 : cont(3);
    return b3 < 0 ? BAD : { rune: ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3, size: 4 };
  }
  return BAD;
}

const BAD = { rune: -1, size: 1 } as const;
