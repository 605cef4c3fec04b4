import { delimited, varintSize } from '../../server/index.ts';
import { messageOf, type FieldSpec, type MessageType } from './proto-schema.ts';

/**
 * The size of a typed message (as jsonpb-decode.ts gives it) in protobuf's binary encoding:
 * what grpc-gateway hands etcd's gRPC server, which refuses a request larger than
 * `--max-request-bytes` plus 512 KiB of overhead before etcd looks at it (etcdserver/api/v3rpc/
 * grpc.go: `grpc.MaxRecvMsgSize`). proto3 rules: a zero scalar and an empty list are not sent, a
 * present message is (even empty), repeated numbers and enums are packed.
 */
export function protoSize(type: MessageType, message: Record<string, unknown>): number {
  let size = 0;
  for (const spec of type.fields) {
    const value = message[spec.ts];
    if (value === undefined) continue;
    const tag = (spec.number ?? 1) < 16 ? 1 : 2;
    const nested = messageOf(spec.kind);
    if (spec.repeated) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      if (nested !== undefined || spec.kind === 'string' || spec.kind === 'bytes') {
        for (const item of items) size += tag + delimited(payloadSize(spec, item));
      } else {
        let packed = 0;
        for (const item of items) packed += payloadSize(spec, item);
        size += tag + delimited(packed);
      }
      continue;
    }
    if (nested !== undefined) {
      size += tag + delimited(protoSize(nested, value as Record<string, unknown>));
      continue;
    }
    const payload = payloadSize(spec, value);
    if (payload === 0) continue;
    size += tag + (spec.kind === 'string' || spec.kind === 'bytes' ? delimited(payload) : payload);
  }
  return size;
}

/**
 * A scalar's encoded size without its tag (a string's or bytes' length without its prefix), 0 for
 * the zero value proto3 leaves out; a message's size.
 */
function payloadSize(spec: FieldSpec, value: unknown): number {
  const nested = messageOf(spec.kind);
  if (nested !== undefined) return protoSize(nested, value as Record<string, unknown>);
  const kind = spec.kind;
  if (typeof kind === 'object') {
    const index = 'enum' in kind ? kind.enum.names.indexOf(value as string) : 0;
    return index <= 0 ? 0 : varintSize(index);
  }
  switch (kind) {
    case 'bytes':
      return (value as string).length;
    case 'string':
      return utf8Length(value as string);
    case 'bool':
      return value === true ? 1 : 0;
    case 'lease':
      return value === 0n ? 0 : varintSize(value as bigint);
    case 'id':
      return value === '0' ? 0 : varintSize(BigInt(`0x${value as string}`));
    default:
      // int64/int32 negatives take ten bytes (varintSize); uint32/uint64 are never negative.
      return value === 0 ? 0 : varintSize(value as number);
  }
}

function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c < 0xdc00 && isLowSurrogate(text.charCodeAt(i + 1))) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c < 0xe000;
