/**
 * Just enough of a protobuf descriptor for jsonpb: each message's fields in the order Go's
 * generated struct declares them (the order jsonpb writes them and checks them), with the proto
 * name (`range_end`, what the gateway writes: grpc-gateway 1.x marshals with `OrigName`), the
 * JSON name protoc derives (`rangeEnd`, also accepted on input), the name of the field in the
 * typed messages of `src/server/v3/rpc.ts`, and how its value is typed there.
 */

/**
 * How a field's value is typed in rpc.ts. `int64` and `uint64` are numbers (revisions, counts,
 * TTLs); `lease` is an int64 kept whole as a bigint; `id` is a uint64 member or cluster ID as
 * etcd's hex string (`MemberId`).
 */
export type Scalar = 'int64' | 'lease' | 'uint64' | 'id' | 'int32' | 'uint32' | 'bool' | 'string' | 'bytes';

export interface EnumType {
  /** Go's type name, as it appears in error texts (`etcdserverpb.RangeRequest_SortOrder`). */
  name: string;
  /** Value names by number. */
  names: readonly string[];
  /**
   * The name a number without one decodes to. jsonpb accepts any int32 for an enum and etcd then
   * treats an unknown value its own way; rpc.ts names only known values, so each enum says which
   * known value is closest (src/http/v3/etcd-messages.ts says why, enum by enum).
   */
  unknown: string;
}

export interface MessageType {
  name: string;
  fields: FieldSpec[];
}

export type FieldKind = Scalar | { enum: EnumType } | { message: () => MessageType };

export interface FieldSpec {
  orig: string;
  json: string;
  ts: string;
  kind: FieldKind;
  repeated: boolean;
  /** The oneof this field belongs to: jsonpb reads such fields after the others. */
  oneof?: string;
  /**
   * The field's number where it is 16 or more (its tag then takes two bytes on the wire, which
   * the request-size limit counts). etcd 3.4's request messages have one: Compare.range_end, 64.
   */
  number?: number;
}

/** protoc's JSON name: each `_x` becomes `X`. */
export function jsonName(orig: string): string {
  return orig.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
}

interface FieldOptions {
  ts?: string;
  repeated?: boolean;
  oneof?: string;
  number?: number;
}

export function field(orig: string, kind: FieldKind, options: FieldOptions = {}): FieldSpec {
  return {
    orig,
    json: jsonName(orig),
    ts: options.ts ?? jsonName(orig),
    kind,
    repeated: options.repeated ?? false,
    ...(options.oneof === undefined ? {} : { oneof: options.oneof }),
    ...(options.number === undefined ? {} : { number: options.number }),
  };
}

export function message(name: string, fields: FieldSpec[]): MessageType {
  return { name, fields };
}

export function enumType(name: string, names: readonly string[], unknown: string): EnumType {
  return { name, names, unknown };
}

/** A message field's type, resolved (declared lazily: messages refer to each other). */
export function messageOf(kind: FieldKind): MessageType | undefined {
  return typeof kind === 'object' && 'message' in kind ? kind.message() : undefined;
}
