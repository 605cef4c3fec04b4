import { decodeRune } from './go-quote.ts';
import { isSpace } from './go-json-scanner.ts';

/**
 * A JSON value as Go's `json.RawMessage` tree holds it for jsonpb: numbers keep their literal
 * text (int64 needs all its digits), strings keep both their raw bytes (jsonpb reads a quoted
 * int64 or enum name from between the quotes, unescaped) and their value as Go decodes it
 * (a byte string: one code unit per byte), and an object keeps its last value per key (Go decodes
 * objects into a map). Built only from input the scanner has already found valid.
 */
export type JsonValue =
  | { kind: 'object'; fields: Map<string, JsonValue> }
  | { kind: 'array'; items: JsonValue[] }
  | { kind: 'string'; raw: Uint8Array; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

/** Go's name for a JSON value's kind in "cannot unmarshal X into Go value of type T". */
export function goKind(value: JsonValue): string {
  return value.kind === 'bool' ? 'bool' : value.kind;
}

/** Parses valid JSON in `bytes[start, end)` (iteratively: documents may nest 10000 deep). */
export function parseValid(bytes: Uint8Array, start = 0, end = bytes.length): JsonValue {
  const stack: { value: JsonValue; key: string | undefined }[] = [];
  let i = start;
  const skipSpace = (): void => {
    while (i < end && isSpace(bytes[i]!)) i++;
  };
  /** Puts a complete value into its container; returns it when it is the document itself. */
  const place = (value: JsonValue): JsonValue | undefined => {
    const parent = stack[stack.length - 1];
    if (parent === undefined) return value;
    if (parent.value.kind === 'array') parent.value.items.push(value);
    else if (parent.value.kind === 'object') {
      parent.value.fields.set(parent.key!, value);
      parent.key = undefined;
    }
    return undefined;
  };
  for (;;) {
    skipSpace();
    const c = bytes[i]!;
    const parent = stack[stack.length - 1];
    if (c === 0x2c) {
      i++;
      continue;
    }
    if (c === 0x7d || c === 0x5d) {
      i++;
      const done = place(stack.pop()!.value);
      if (done !== undefined) return done;
      continue;
    }
    if (parent?.value.kind === 'object' && parent.key === undefined) {
      const stringEnd = endOfString(bytes, i);
      parent.key = unquote(bytes.subarray(i + 1, stringEnd - 1));
      i = stringEnd;
      skipSpace();
      i++; // the colon
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      stack.push({ value: c === 0x7b ? { kind: 'object', fields: new Map() } : { kind: 'array', items: [] }, key: undefined });
      i++;
      continue;
    }
    let value: JsonValue;
    if (c === 0x22) {
      const stringEnd = endOfString(bytes, i);
      const raw = bytes.subarray(i + 1, stringEnd - 1);
      value = { kind: 'string', raw, value: unquote(raw) };
      i = stringEnd;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      value = c === 0x6e ? { kind: 'null' } : { kind: 'bool', value: c === 0x74 };
      i += c === 0x66 ? 5 : 4;
    } else {
      let j = i;
      while (j < end && NUMBER_BYTE.test(String.fromCharCode(bytes[j]!))) j++;
      value = { kind: 'number', text: latin1(bytes.subarray(i, j)) };
      i = j;
    }
    const done = place(value);
    if (done !== undefined) return done;
  }
}

const NUMBER_BYTE = /[-+.eE0-9]/;

/**
 * Index just past the closing quote of the string that opens at `i`: the first quote after an
 * even run of backslashes (the text is valid, so every backslash starts an escape). Found with
 * the native `indexOf`, as a multi-megabyte base64 value would cost a JavaScript loop per byte.
 */
function endOfString(bytes: Uint8Array, i: number): number {
  let from = i + 1;
  for (;;) {
    const quote = bytes.indexOf(0x22, from);
    let slashes = 0;
    while (bytes[quote - 1 - slashes] === 0x5c) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * Go's `unquoteBytes`: escapes decoded (`\uXXXX` as UTF-8, a valid surrogate pair as one rune, a
 * lone surrogate as U+FFFD), and every byte that is not well-formed UTF-8 replaced by U+FFFD one
 * byte at a time (Go's `utf8.DecodeRune`; the WHATWG decoder would merge some of them).
 */
export function unquote(raw: Uint8Array): string {
  const plain = latin1(raw);
  if (!/[\\\x80-\xff]/.test(plain)) return plain;
  let out = '';
  let i = 0;
  while (i < plain.length) {
    const c = plain.charCodeAt(i);
    if (c === 0x5c) {
      const e = plain[i + 1]!;
      if (e === 'u') {
        let rune = parseInt(plain.slice(i + 2, i + 6), 16);
        i += 6;
        if (rune >= 0xd800 && rune < 0xe000) {
          const low = plain[i] === '\\' && plain[i + 1] === 'u' ? parseInt(plain.slice(i + 2, i + 6), 16) : -1;
          if (rune < 0xdc00 && low >= 0xdc00 && low < 0xe000) {
            rune = 0x10000 + ((rune - 0xd800) << 10) + (low - 0xdc00);
            i += 6;
          } else {
            rune = 0xfffd;
          }
        }
        out += utf8(rune);
        continue;
      }
      out += ESCAPES[e] ?? e;
      i += 2;
      continue;
    }
    if (c < 0x80) {
      out += plain[i];
      i++;
      continue;
    }
    const { rune, size } = decodeRune(plain, i);
    out += rune === -1 ? REPLACEMENT : plain.slice(i, i + size);
    i += size;
  }
  return out;
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const REPLACEMENT = '\xef\xbf\xbd';

/** A rune as UTF-8, in a byte string. */
export function utf8(rune: number): string {
  if (rune < 0x80) return String.fromCharCode(rune);
  if (rune < 0x800) return String.fromCharCode(0xc0 | (rune >> 6), 0x80 | (rune & 0x3f));
  if (rune < 0x10000) return String.fromCharCode(0xe0 | (rune >> 12), 0x80 | ((rune >> 6) & 0x3f), 0x80 | (rune & 0x3f));
  return String.fromCharCode(0xf0 | (rune >> 18), 0x80 | ((rune >> 12) & 0x3f), 0x80 | ((rune >> 6) & 0x3f), 0x80 | (rune & 0x3f));
}

/** Bytes as a byte string (one code unit per byte). */
export function latin1(bytes: Uint8Array): string {
  // ASCII, the common case (base64 values), decodes natively (and is checked natively: UTF-8
  // decoding leaves nothing past U+007F only when every byte is ASCII); otherwise byte by byte in
  // chunks (`apply`, not a spread: a spread of a large chunk is several times slower).
  const ascii = asciiDecoder.decode(bytes);
  if (!NOT_ASCII.test(ascii)) return ascii;
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  return out;
}

const asciiDecoder = new TextDecoder();
const NOT_ASCII = /[^\x00-\x7f]/;

/** A byte string's bytes. */
export function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** A byte string that is well-formed UTF-8 (what `unquote` returns), as text. */
export function textOf(bytes: string): string {
  return utf8Decoder.decode(bytesOf(bytes));
}

/** Text as a UTF-8 byte string. */
export function utf8Bytes(text: string): string {
  return latin1(utf8Encoder.encode(text));
}
