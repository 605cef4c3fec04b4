import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serviceDefinition } from '../../../src/grpc/protos.ts';
import { decodeFirst } from '../../../src/http/v3/go-json-decoder.ts';
import * as m from '../../../src/http/v3/etcd-messages.ts';
import { decodeMessage } from '../../../src/http/v3/jsonpb-decode.ts';
import type { MessageType } from '../../../src/http/v3/proto-schema.ts';
import { protoSize } from '../../../src/http/v3/proto-size.ts';

/**
 * protoSize against protobufjs encoding etcd's own .proto files: the gateway JSON of a request,
 * decoded as the gateway decodes it, must measure what the same request serialises to.
 */
const sizeOf = (type: MessageType, body: object): number => {
  const first = decodeFirst(new TextEncoder().encode(JSON.stringify(body)));
  if (!('value' in first)) throw new Error(JSON.stringify(first));
  return protoSize(type, decodeMessage(type, first.value));
};
/** Enum fields of the generated requests, whose first name is the zero value. */
const ENUM_ZERO: Record<string, string> = { result: 'EQUAL', target: 'VERSION', sort_order: 'NONE' };

/**
 * protobufjs writes a scalar that is set even at its zero value; Go's proto3 never does. The
 * oracle's input therefore leaves zero scalars out (a present message, even empty, stays).
 */
function withoutZeros(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutZeros);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === false || field === '' || field === '0' || ENUM_ZERO[key] === field) continue;
    out[key] = withoutZeros(field);
  }
  return out;
}

const serialized = (service: string, method: string, body: object): number =>
  serviceDefinition(service)[method]!.requestSerialize(withoutZeros(body) as object).length;

const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64'));
/**
 * Within ±2^53: rpc.ts holds revisions and limits as numbers, so one within a few hundred of
 * 2^63 reads as 2^63 and measures a byte long (etcd refuses such a revision anyway).
 */
const int64 = fc.oneof(fc.constant('0'), fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }).map(String));
const text = fc.string({ unit: 'binary', maxLength: 40 });
const compare = fc.record(
  {
    result: fc.constantFrom('EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'),
    target: fc.constantFrom('VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'),
    key: bytes,
    range_end: bytes,
    mod_revision: int64,
  },
  { requiredKeys: [] },
);
const put = fc.record({ key: bytes, value: bytes, lease: int64, prev_kv: fc.boolean(), ignore_value: fc.boolean() }, { requiredKeys: [] });
const range = fc.record({ key: bytes, range_end: bytes, limit: int64, revision: int64, sort_order: fc.constantFrom('NONE', 'ASCEND', 'DESCEND'), keys_only: fc.boolean() }, { requiredKeys: [] });
const op = fc.oneof(put.map((r) => ({ request_put: r })), range.map((r) => ({ request_range: r })), fc.constant({}));
const txn = fc.record({ compare: fc.array(compare, { maxLength: 4 }), success: fc.array(op, { maxLength: 4 }), failure: fc.array(op, { maxLength: 4 }) }, { requiredKeys: [] });

describe('protoSize: the binary size the gRPC server limits', () => {
  it('measures puts, ranges and txns (with Compare.range_end, field 64) as protobufjs encodes them', () => {
    fc.assert(
      fc.property(put, (body) => sizeOf(m.PutRequest, body) === serialized('etcdserverpb.KV', 'Put', body)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(range, (body) => sizeOf(m.RangeRequest, body) === serialized('etcdserverpb.KV', 'Range', body)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(txn, (body) => sizeOf(m.TxnRequest, body) === serialized('etcdserverpb.KV', 'Txn', body)),
      { numRuns: 300 },
    );
  });

  it('measures strings as UTF-8 and repeated strings one by one', () => {
    fc.assert(
      fc.property(text, text, (name, password) => {
        const body = { name, password };
        return sizeOf(m.AuthUserAddRequest, body) === serialized('etcdserverpb.Auth', 'UserAdd', body);
      }),
      { numRuns: 200 },
    );
    const member = { peerURLs: ['http://127.0.0.1:2380', 'http://10.0.0.1:2380'], isLearner: true };
    expect(sizeOf(m.MemberAddRequest, member)).toBe(serialized('etcdserverpb.Cluster', 'MemberAdd', member));
  });

  it('counts the 2 MiB put etcd refuses as grpc-go does: 2097160 bytes', () => {
    const body = { key: Buffer.from('k').toString('base64'), value: Buffer.alloc(2 * 1024 * 1024, 120).toString('base64') };
    expect(sizeOf(m.PutRequest, body)).toBe(2_097_160);
  });
});
