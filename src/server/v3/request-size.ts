import type { RequestAuth } from './auth-request.ts';
import { delimited, varintSize } from './proto-wire.ts';
import type { V3Operation } from './v3-request.ts';

/**
 * The size etcd weighs against `--max-request-bytes`: its InternalRaftRequest marshalled
 * (etcdserver/v3_server.go, `processInternalRaftRequestOnce`: `len(r.Marshal())`), not whatever
 * encoding this log uses (JSON escapes a control byte in six characters, so a value of binary
 * bytes would count up to six times over). Measured from the typed request as protobuf would
 * encode it: keys and values exactly, each field's tag, lengths and varints as proto3 writes
 * them. Tags are one byte except where the field number is 16 or more (the header, 100; the Auth
 * requests, 1000 and up; Compare.range_end, 64).
 */
export function internalRequestSize(op: V3Operation, auth: RequestAuth | undefined, memberId: string): number {
  const [[name, body]] = Object.entries(op) as [[string, object]];
  const opTag = name.startsWith('auth') ? 2 : 1;
  // RequestHeader{ID, username, auth_revision} under field 100. The ID is idutil's: the member
  // ID's low 16 bits on top of 48 bits of time and count.
  const idBits = 48 + bitLength(Number.parseInt(memberId.slice(-4), 16) || 1);
  let header = 1 + Math.ceil(idBits / 7);
  if (auth !== undefined && auth.username !== '') header += 1 + delimited(utf8Length(auth.username));
  if (auth !== undefined && auth.revision !== 0) header += 1 + varintSize(auth.revision);
  return 2 + delimited(header) + opTag + delimited(messageSize(body));
}

/** Enum fields as rpc.ts names them, each name at its number. */
const ENUMS: Record<string, readonly string[]> = {
  result: ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'],
  target: ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'],
  sortOrder: ['NONE', 'ASCEND', 'DESCEND'],
  sortTarget: ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'],
  action: ['GET', 'ACTIVATE', 'DEACTIVATE'],
  alarm: ['NONE', 'NOSPACE', 'CORRUPT'],
  permType: ['READ', 'WRITE', 'READWRITE'],
};

function messageSize(message: object): number {
  let size = 0;
  for (const [field, value] of Object.entries(message)) {
    const tag = field === 'rangeEnd' && 'target' in message ? 2 : 1;
    if (Array.isArray(value)) {
      for (const item of value) size += tag + delimited(typeof item === 'object' && item !== null ? messageSize(item) : scalarPayload(field, item));
      continue;
    }
    if (typeof value === 'object' && value !== null) {
      size += tag + delimited(messageSize(value));
      continue;
    }
    const payload = scalarPayload(field, value);
    if (payload === 0) continue;
    size += tag + (typeof value === 'string' && ENUMS[field] === undefined ? delimited(payload) : payload);
  }
  return size;
}

/** A scalar's bytes without tag or length prefix; 0 for what proto3 leaves out. */
function scalarPayload(field: string, value: unknown): number {
  switch (typeof value) {
    case 'string': {
      const names = ENUMS[field];
      if (names === undefined) return utf8Length(value);
      const index = names.indexOf(value);
      return index <= 0 ? 0 : varintSize(index);
    }
    case 'boolean':
      return value ? 1 : 0;
    case 'number':
      return value === 0 ? 0 : varintSize(Math.trunc(value));
    case 'bigint':
      return value === 0n ? 0 : varintSize(value);
    default:
      return 0;
  }
}

function bitLength(n: number): number {
  return Math.max(1, 32 - Math.clz32(n));
}

/** A byte string (keys, values) counts a byte per code unit; text names count their UTF-8. */
function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Two bytes past the code unit below U+0800, one past each unit of a surrogate pair (four
    // bytes for the two), two past any other.
    if (c > 0xff) length += c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 1 : 2;
  }
  return length;
}
