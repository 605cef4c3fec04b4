import { decodeBase64, encodeBase64 } from './byte-base64.ts';

/**
 * JSON for the server's records (v3 log entries, peer messages), which hold two things JSON has
 * no good form for:
 *
 * - a bigint (v3 lease IDs), written as `{"$n":"<decimal>"}`;
 * - a byte string (keys and values: one character per byte) of mostly binary bytes, written as
 *   `{"$b":"<base64>"}`. As JSON text a control byte takes six characters (`\u0007`) and a byte
 *   of 0x80 or more two bytes of UTF-8 where it is stored, so a 1.4 MB value of such bytes
 *   would become an 8 MB log entry; base64 keeps it at 4/3.
 *
 * Nothing else the server writes is an object with a `$n` or `$b` member (keys and values are
 * strings, fields have their own names), so reading it back is unambiguous.
 */
export function stringifyWithBigInts(value: unknown, omit?: (value: unknown) => boolean): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (omit?.(v) === true) return undefined;
    if (typeof v === 'bigint') return { $n: v.toString() };
    if (typeof v === 'string' && v.length >= BASE64_MIN_LENGTH && cheaperAsBase64(v)) return { $b: encodeBase64(v) };
    return v;
  });
}

export function parseWithBigInts<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null) return v;
    if ('$n' in v) return BigInt((v as { $n: string }).$n);
    if ('$b' in v) return decodeBase64((v as { $b: string }).$b);
    return v;
  }) as T;
}

/** Short strings are never worth an object. */
const BASE64_MIN_LENGTH = 64;
const COSTLY = /[\x00-\x1f\x7f-\xff]/;
const BEYOND_BYTES = /[^\x00-\xff]/;

/**
 * Whether a byte string is shorter as base64 than as stored JSON text (at 4/3 a byte). Only text
 * with bytes JSON escapes or UTF-8 widens pays for the count; text beyond U+00FF is not a byte
 * string and has no base64.
 */
function cheaperAsBase64(text: string): boolean {
  if (!COSTLY.test(text) || BEYOND_BYTES.test(text)) return false;
  let cost = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    cost += c < 0x20 ? 6 : c >= 0x80 ? 2 : 1;
  }
  return 3 * cost > 4 * text.length;
}
