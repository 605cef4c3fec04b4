import { encodeStdBase64 } from './go-base64.ts';
import { messageOf, type FieldSpec, type MessageType, type Scalar } from './proto-schema.ts';

/**
 * jsonpb's `Marshaler{OrigName: true}` (grpc-gateway 1.x's default for responses) from the typed
 * messages of rpc.ts: proto field names, fields in declaration order, zero values left out (a
 * present message is written even when empty, a set oneof member even when zero), 64-bit
 * integers as decimal strings, 32-bit ones as numbers, enums by name (a number without one as
 * the bare number), bytes as standard base64, strings as Go's encoding/json escapes them. IDs
 * held as hex (`MemberId`) are written as the uint64 they are.
 */
export function encodeMessage(type: MessageType, value: object): string {
  const parts: string[] = [];
  for (const spec of type.fields) {
    const v = (value as Record<string, unknown>)[spec.ts];
    if (v === undefined) continue;
    if (spec.oneof === undefined && isZero(spec, v)) continue;
    parts.push(`"${spec.orig}":${spec.repeated ? `[${(v as unknown[]).map((item) => encodeSingle(spec, item)).join(',')}]` : encodeSingle(spec, v)}`);
  }
  return `{${parts.join(',')}}`;
}

function isZero(spec: FieldSpec, v: unknown): boolean {
  if (spec.repeated) return (v as unknown[]).length === 0;
  const kind = spec.kind;
  if (typeof kind === 'object') return 'enum' in kind && (v === kind.enum.names[0] || v === 0);
  if (kind === 'id') return v === '' || v === '0';
  return v === 0 || v === 0n || v === false || v === '';
}

function encodeSingle(spec: FieldSpec, v: unknown): string {
  const kind = spec.kind;
  const nested = messageOf(kind);
  if (nested !== undefined) return encodeMessage(nested, v as object);
  if (typeof kind === 'object' && 'enum' in kind) {
    if (typeof v === 'number') return kind.enum.names[v] === undefined ? String(v) : `"${kind.enum.names[v]}"`;
    return `"${String(v)}"`;
  }
  return encodeScalar(kind as Scalar, v);
}

function encodeScalar(kind: Scalar, v: unknown): string {
  switch (kind) {
    case 'bytes':
      return `"${encodeStdBase64(v as string)}"`;
    case 'string':
      return goString(v as string);
    case 'bool':
      return String(v);
    case 'id':
      return `"${BigInt(`0x${v as string}`).toString()}"`;
    case 'int32':
    case 'uint32':
      return String(v);
    default:
      return `"${clamp(BigInt(v as number | bigint), kind === 'uint64' ? UINT64 : INT64).toString()}"`;
  }
}

const INT64: [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n];
const UINT64: [bigint, bigint] = [0n, 2n ** 64n - 1n];

/**
 * rpc.ts holds int64 counts and revisions as numbers, exact below 2^53: a value decoded from the
 * top of the range (`"limit":9223372036854775807`) comes back one above it, and is written as the
 * largest value the type holds again.
 */
function clamp(n: bigint, [low, high]: [bigint, bigint]): bigint {
  return n < low ? low : n > high ? high : n;
}

/**
 * Go's `json.Marshal` of a string: `"` and `\` escaped, `\n` `\r` `\t` short, other control
 * characters as `\u00XX`, and (HTML-safe by default) `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`;
 * a lone surrogate (which UTF-8 cannot hold) as `\ufffd`, as Go writes a byte that is not UTF-8.
 */
export function goString(text: string): string {
  return `"${text.replace(/["\\\u0000-\u001f<>&\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, escapeChar)}"`;
}

function escapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  const code = c.charCodeAt(0);
  if (code >= 0xd800 && code < 0xe000) return '\\ufffd';
  return `\\u${code.toString(16).padStart(4, '0')}`;
}
