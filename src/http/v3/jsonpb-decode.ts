import { Base64Error, decodeStdBase64 } from './go-base64.ts';
import { goQuote } from './go-quote.ts';
import { checkValid } from './go-json-scanner.ts';
import { goKind, latin1, parseValid, textOf, type JsonValue } from './go-json-value.ts';
import { messageOf, type EnumType, type FieldSpec, type MessageType, type Scalar } from './proto-schema.ts';

/**
 * golang/protobuf 1.3's jsonpb `Unmarshaler{AllowUnknownFields: true}` (what grpc-gateway 1.x
 * decodes request bodies with), from a JSON value to the typed messages of rpc.ts, including
 * what happens to the message on its way to etcd's gRPC server (proto3 encoding drops zero
 * scalars and empty lists, keeps a present message). What it accepts and how it refuses follow
 * jsonpb and Go's encoding/json:
 *
 * - a field is found by its proto name or its JSON name (`range_end`, `rangeEnd`; the JSON name
 *   wins when both are given), exactly (not case-insensitively); unknown fields are ignored;
 * - fields are read in declaration order, oneof members last: the first bad one is the error;
 * - int64 and the other integers take a number or a string holding one (`"5"`, `" 5 "`, and
 *   `"null"` is 0); the string's content is parsed as JSON, unescaped, so `"5x"` fails with
 *   Go's syntax error for `5x`;
 * - enums take a name (exactly; the raw text between the quotes, escapes not decoded) or any
 *   int32 number;
 * - bytes take standard base64 (see go-base64.ts) or an array of numbers 0-255;
 * - bool takes only true/false; null leaves any field at its zero value.
 *
 * Errors are Go's texts; the gateway answers them 400 (code 3).
 */
export class JsonpbError extends Error {}

/**
 * A request jsonpb accepts but Go cannot send: a null entry in a list of messages
 * (`"compare":[null]`) makes the generated marshaller dereference nil, and Go's HTTP server
 * drops the connection without an answer.
 */
export class GatewayPanic extends Error {}

type Typed = Record<string, unknown>;

/** Decodes one message (a JSON value of the whole body or of a field). */
export function decodeMessage(type: MessageType, value: JsonValue): Typed {
  if (value.kind !== 'object' && value.kind !== 'null') throw typeError(value, 'map[string]json.RawMessage');
  const fields = new Map(value.kind === 'object' ? value.fields : []);
  const out: Typed = {};
  const consume = (spec: FieldSpec): JsonValue | undefined => {
    const orig = fields.get(spec.orig);
    const camel = fields.get(spec.json);
    fields.delete(spec.orig);
    fields.delete(spec.json);
    return camel ?? orig;
  };
  for (const spec of type.fields) {
    if (spec.oneof !== undefined) continue;
    const raw = consume(spec);
    const decoded = raw === undefined ? undefined : decodeField(spec, raw);
    if (decoded !== undefined) out[spec.ts] = decoded;
    else if (messageOf(spec.kind) === undefined || spec.repeated) out[spec.ts] = zeroOf(spec);
  }
  // jsonpb looks for oneof members only when fields are left over. Go walks a map of them, so
  // which of two given members wins is random there; here the later one in declaration order.
  if (fields.size > 0) {
    let chosen: { spec: FieldSpec; value: unknown } | undefined;
    for (const spec of type.fields) {
      if (spec.oneof === undefined) continue;
      const raw = consume(spec);
      if (raw === undefined) continue;
      const decoded = decodeField(spec, raw);
      // A null message member, or null bytes, is set in Go but not sent: proto3 skips nil.
      chosen = decoded === undefined || (raw.kind === 'null' && spec.kind === 'bytes') ? undefined : { spec, value: decoded };
    }
    if (chosen !== undefined) out[chosen.spec.ts] = chosen.value;
  }
  return out;
}

/** A field's zero value as rpc.ts holds it. */
export function zeroOf(spec: FieldSpec): unknown {
  if (spec.repeated) return [];
  if (typeof spec.kind === 'object') return 'enum' in spec.kind ? spec.kind.enum.names[0] : undefined;
  return SCALAR_ZERO[spec.kind];
}

const SCALAR_ZERO: Record<Scalar, unknown> = {
  int64: 0,
  lease: 0n,
  uint64: 0,
  id: '0',
  int32: 0,
  uint32: 0,
  bool: false,
  string: '',
  bytes: '',
};

/** A field's value, or undefined for a message field that is absent (null). */
function decodeField(spec: FieldSpec, value: JsonValue): unknown {
  if (spec.repeated) {
    if (value.kind === 'null') return [];
    if (value.kind !== 'array') throw typeError(value, '[]json.RawMessage');
    const items: unknown[] = [];
    for (const item of value.items) {
      if (item.kind === 'null' && messageOf(spec.kind) !== undefined) throw new GatewayPanic('nil message in a repeated field');
      const decoded = decodeSingle(spec, item);
      // An enum value etcd ignores in a list (an unknown watch filter) is dropped.
      if (decoded !== '' || typeof spec.kind !== 'object') items.push(decoded);
    }
    return items;
  }
  return decodeSingle(spec, value);
}

function decodeSingle(spec: FieldSpec, value: JsonValue): unknown {
  const kind = spec.kind;
  if (typeof kind === 'object') {
    if ('message' in kind) return value.kind === 'null' ? undefined : decodeMessage(kind.message(), value);
    return decodeEnum(kind.enum, value);
  }
  if (kind === 'bytes') return decodeBytes(value);
  if (kind === 'string') {
    if (value.kind === 'null') return '';
    if (value.kind !== 'string') throw typeError(value, 'string');
    return textOf(value.value);
  }
  if (kind === 'bool') {
    if (value.kind === 'null') return false;
    if (value.kind !== 'bool') throw typeError(value, 'bool');
    return value.value;
  }
  return fromInteger(kind, decodeInteger(kind, value));
}

/** An integer field: a number, or a string whose content is parsed as JSON (jsonpb drops the quotes). */
function decodeInteger(kind: Exclude<Scalar, 'bytes' | 'string' | 'bool'>, value: JsonValue): bigint {
  let target = value;
  if (value.kind === 'string') {
    const syntax = checkValid(value.raw);
    if (syntax !== undefined) throw new JsonpbError(syntax);
    target = parseValid(value.raw);
  }
  const goType = GO_INTEGER_TYPES[kind];
  if (target.kind === 'null') return 0n;
  if (target.kind !== 'number') throw typeError(target, goType);
  return parseGoInteger(target.text, goType);
}

const GO_INTEGER_TYPES: Record<Exclude<Scalar, 'bytes' | 'string' | 'bool'>, string> = {
  int64: 'int64',
  lease: 'int64',
  uint64: 'uint64',
  id: 'uint64',
  int32: 'int32',
  uint32: 'uint32',
};

const RANGES: Record<string, [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint8: [0n, 255n],
};

/**
 * encoding/json's integer conversion: `strconv.ParseInt`/`ParseUint` of the literal (so `1.5`,
 * `1e3`, `-1` for unsigned, and values out of range fail), "cannot unmarshal number X".
 */
function parseGoInteger(text: string, goType: string, bits = goType): bigint {
  const range = RANGES[bits]!;
  const signed = range[0] < 0n;
  if ((signed ? /^-?\d+$/ : /^\d+$/).test(text)) {
    const n = BigInt(text);
    if (n >= range[0] && n <= range[1]) return n;
  }
  throw new JsonpbError(`json: cannot unmarshal number ${text} into Go value of type ${goType}`);
}

function fromInteger(kind: Scalar, n: bigint): unknown {
  if (kind === 'lease') return n;
  if (kind === 'id') return n.toString(16);
  return Number(n);
}

function decodeEnum(type: EnumType, value: JsonValue): string {
  if (value.kind === 'string') {
    const name = latin1(value.raw);
    if (!type.names.includes(name)) throw new JsonpbError(`unknown value ${goQuote(name)} for enum ${type.name}`);
    return name;
  }
  if (value.kind === 'null') return type.names[0]!;
  if (value.kind !== 'number') throw typeError(value, type.name);
  const n = Number(parseGoInteger(value.text, type.name, 'int32'));
  return type.names[n] ?? type.unknown;
}

/** `[]byte`: base64 text, or an array of byte values (encoding/json decodes a JSON array into a slice). */
function decodeBytes(value: JsonValue): string {
  switch (value.kind) {
    case 'null':
      return '';
    case 'string':
      try {
        return decodeStdBase64(value.value);
      } catch (error) {
        if (error instanceof Base64Error) throw new JsonpbError(error.message);
        throw error;
      }
    case 'array': {
      let out = '';
      for (const item of value.items) {
        if (item.kind === 'null') out += '\0';
        else if (item.kind !== 'number') throw typeError(item, 'uint8');
        else out += String.fromCharCode(Number(parseGoInteger(item.text, 'uint8')));
      }
      return out;
    }
    default:
      throw typeError(value, '[]uint8');
  }
}

function typeError(value: JsonValue, goType: string): JsonpbError {
  return new JsonpbError(`json: cannot unmarshal ${goKind(value)} into Go value of type ${goType}`);
}
