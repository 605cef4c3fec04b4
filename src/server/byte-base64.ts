/**
 * Standard base64 (with padding) of byte strings (one character per byte), for the core, which
 * has no platform `btoa`/`atob` to call. Used for large binary values in log records
 * (bigint-json.ts): codes go into a typed array and become a string 8 KiB at a time
 * (`fromCharCode.apply`; string concatenation per character is several times slower).
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SYMBOL = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const VALUE = new Uint8Array(128);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;

export function encodeBase64(bytes: string): string {
  const out = new Uint8Array(4 * Math.ceil(bytes.length / 3));
  let o = 0;
  for (let i = 0; i < bytes.length; i += 3) {
    const rest = bytes.length - i;
    const n = (bytes.charCodeAt(i) << 16) | (rest > 1 ? bytes.charCodeAt(i + 1) << 8 : 0) | (rest > 2 ? bytes.charCodeAt(i + 2) : 0);
    out[o++] = SYMBOL[n >> 18]!;
    out[o++] = SYMBOL[(n >> 12) & 63]!;
    out[o++] = rest > 1 ? SYMBOL[(n >> 6) & 63]! : PAD;
    out[o++] = rest > 2 ? SYMBOL[n & 63]! : PAD;
  }
  return fromCodes(out);
}

/** The bytes of base64 this module wrote (so well-formed; nothing is checked). */
export function decodeBase64(text: string): string {
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = (VALUE[text.charCodeAt(i)]! << 18) | (VALUE[text.charCodeAt(i + 1)]! << 12) | (VALUE[text.charCodeAt(i + 2) & 127]! << 6) | VALUE[text.charCodeAt(i + 3) & 127]!;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return fromCodes(out);
}

function fromCodes(codes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode.apply(null, codes.subarray(i, i + 8192) as unknown as number[]);
  return out;
}
