/**
 * v3 keys and values are bytes. The console holds them as byte strings (one UTF-16 code unit per
 * byte, 0-255: what `atob` returns, and what src/mvcc uses), so they sort and compare in etcd's
 * byte order and go to the gateway's base64 fields with `btoa` and nothing in between.
 */
export type Bytes = string;

const strictUTF8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export const fromBase64 = (b64: string | undefined): Bytes => (b64 === undefined || b64 === '' ? '' : atob(b64));
export const toBase64 = (bytes: Bytes): string => btoa(bytes);

function toArray(bytes: Bytes): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
  return out;
}

function fromArray(array: Uint8Array): Bytes {
  let out = '';
  for (let i = 0; i < array.length; i += 0x8000) out += String.fromCharCode(...array.subarray(i, i + 0x8000));
  return out;
}

/** The text a user typed, as the UTF-8 bytes etcd stores. */
export const fromText = (text: string): Bytes => fromArray(encoder.encode(text));

/** The bytes as text if they are valid UTF-8 with no control characters but tab and newlines; else undefined. */
export function asText(bytes: Bytes): string | undefined {
  let text: string;
  try {
    text = strictUTF8.decode(toArray(bytes));
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}

export const toHex = (bytes: Bytes): string => [...bytes].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

/** Hex digits (spaces allowed between them) as bytes; throws on anything else. */
export function fromHex(hex: string): Bytes {
  const digits = hex.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error('not hex: an even number of 0-9 a-f digits');
  let out = '';
  for (let i = 0; i < digits.length; i += 2) out += String.fromCharCode(parseInt(digits.slice(i, i + 2), 16));
  return out;
}

/**
 * A key or key segment as the console names it: its text when it is text, else the text with
 * each byte that is not printable ASCII written `\xNN` (as Go's `%q` would, roughly).
 */
export function displayBytes(bytes: Bytes): string {
  const text = asText(bytes);
  if (text !== undefined) return text;
  return [...bytes].map((c) => (c >= ' ' && c <= '~' && c !== '\\' ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)).join('');
}

/** How a value can be shown and edited. */
export type ValueEncoding = 'text' | 'hex' | 'base64';

/** Text when the value is text, base64 otherwise (what etcdctl -w json shows for every value). */
export const naturalEncoding = (bytes: Bytes): ValueEncoding => (asText(bytes) === undefined ? 'base64' : 'text');

export function encodeValue(bytes: Bytes, encoding: ValueEncoding): string {
  if (encoding === 'hex') return toHex(bytes);
  if (encoding === 'base64') return toBase64(bytes);
  return asText(bytes) ?? displayBytes(bytes);
}

/** What the user typed in the given encoding, as bytes; throws on invalid hex or base64. */
export function decodeValue(typed: string, encoding: ValueEncoding): Bytes {
  if (encoding === 'hex') return fromHex(typed);
  if (encoding === 'base64') {
    const compact = typed.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw new Error('not base64');
    return atob(compact);
  }
  return fromText(typed);
}

/**
 * The smallest key after every key with this prefix (clientv3's `GetPrefixRangeEnd`): the prefix
 * with its last byte below 0xff incremented and what follows dropped; "\0" (every key from the
 * prefix on) when all its bytes are 0xff.
 */
export function prefixEnd(prefix: Bytes): Bytes {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return '\0';
}
