/**
 * `bytes` fields in the gateway's JSON are decoded by Go's encoding/json, which uses
 * `base64.StdEncoding`: the standard alphabet only (`-` and `_` are refused), padding required
 * (`Zm8` is refused, `Zm8=` accepted), `\r` and `\n` skipped anywhere, nothing after the padding,
 * and unused low bits not checked. A refusal names the input byte Go names
 * ("illegal base64 data at input byte 4"). Encoding is plain standard base64 with padding.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map([...ALPHABET].map((c, i) => [c.charCodeAt(0), i]));
/**
 * Canonical padded text: whole groups of four, at most two `=` and only at the end. Tested as a
 * character-class run plus the length, not a repeated group: V8 runs a repeated group over a
 * 2.8 MB value (a 2 MiB put) with a backtracking stack, measured at a fifth of the put's CPU.
 */
const CANONICAL = /^[A-Za-z0-9+/]*(?:==|=)?$/;
const isCanonical = (text: string): boolean => text.length % 4 === 0 && CANONICAL.test(text);

export class Base64Error extends Error {
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

/** Decodes a byte string of base64 text to a byte string, or throws Go's error. */
export function decodeStdBase64(text: string): string {
  // The common case, canonical text, is what `atob` decodes identically (neither checks the
  // unused low bits).
  if (isCanonical(text)) return atob(text);
  return decodeGo(text, true);
}

/** `base64.RawStdEncoding` (no padding: `=` is not a symbol), for grpc-gateway's `-Bin` headers. */
export function decodeRawStdBase64(text: string): string {
  return decodeGo(text, false);
}

function decodeGo(text: string, padded: boolean): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const quantum = decodeQuantum(text, i, padded);
    out += quantum.bytes;
    i = quantum.next;
  }
  return out;
}

const isNewline = (c: number): boolean => c === 0x0a || c === 0x0d;

/**
 * One group of four symbols from `i` (Go's `decodeQuantum`): its bytes and where the next group
 * starts; a bad symbol, misplaced or missing padding, or anything after the padding throws.
 */
function decodeQuantum(text: string, start: number, padded: boolean): { bytes: string; next: number } {
  const symbols: number[] = [];
  let i = start;
  while (symbols.length < 4) {
    if (i === text.length) {
      // Input ended inside a group: the padding that StdEncoding requires is missing; without
      // padding a group of two or three symbols may end the input.
      if (symbols.length === 0) return { bytes: '', next: i };
      if (padded || symbols.length === 1) throw new Base64Error(i - symbols.length);
      break;
    }
    const c = text.charCodeAt(i++);
    const value = VALUES.get(c);
    if (value !== undefined) {
      symbols.push(value);
      continue;
    }
    if (isNewline(c)) continue;
    if (c !== 0x3d || !padded) throw new Base64Error(i - 1);
    // Padding: only after two or three symbols, "==" after two; then nothing but newlines.
    if (symbols.length < 2) throw new Base64Error(i - 1);
    if (symbols.length === 2) {
      while (i < text.length && isNewline(text.charCodeAt(i))) i++;
      if (i === text.length) throw new Base64Error(text.length);
      if (text.charCodeAt(i) !== 0x3d) throw new Base64Error(i - 1);
      i++;
    }
    while (i < text.length && isNewline(text.charCodeAt(i))) i++;
    if (i < text.length) throw new Base64Error(i);
    break;
  }
  const [a = 0, b = 0, c = 0, d = 0] = symbols;
  const bits = (a << 18) | (b << 12) | (c << 6) | d;
  const all = String.fromCharCode((bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff);
  return { bytes: all.slice(0, symbols.length - 1), next: i };
}

/** Standard base64 with padding of a byte string (Go's `StdEncoding.EncodeToString`). */
export function encodeStdBase64(bytes: string): string {
  return btoa(bytes);
}
