import * as protoLoader from '@grpc/proto-loader';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** proto/ at the repository root: etcd 3.4's own .proto files (see proto/README.md). */
export const PROTO_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'proto');

const FILES = [
  'etcd/etcdserver/etcdserverpb/rpc.proto',
  'etcd/etcdserver/api/v3lock/v3lockpb/v3lock.proto',
  'etcd/etcdserver/api/v3election/v3electionpb/v3election.proto',
];

/**
 * These options make a decoded message the gateway's JSON, nearly: field names as in the .proto
 * (snake_case, and `ID`, `TTL`, `dbSize` as etcd spells them), int64/uint64 as decimal strings,
 * enums by name, bytes as standard base64, and fields at their default value left out, as
 * grpc-gateway's jsonpb marshaler (EmitDefaults off) leaves them out. Encoding goes through
 * protobufjs's fromObject, which takes the gateway's JSON as it comes: strings or numbers for
 * integers, base64 for bytes, names for enums, a oneof as whichever member is present.
 * Where it is not exact: jsonpb prints 32-bit integers (e.g. `hash`) as numbers, which fromObject
 * takes just the same.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: String,
  defaults: false,
  oneofs: false,
  includeDirs: [PROTO_DIR],
};

let cached: protoLoader.PackageDefinition | undefined;

/** etcd's services and messages, loaded once per process. */
export function etcdPackageDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.loadSync(FILES, LOADER_OPTIONS);
  return cached;
}

/** One service's method table (e.g. `etcdserverpb.KV`), as grpc-js's addService takes it. */
export function serviceDefinition(name: string): protoLoader.ServiceDefinition {
  const found = etcdPackageDefinition()[name];
  // A message or enum definition has `format`; a service is a table of methods.
  if (found === undefined || 'format' in found) {
    throw new Error(`${name} is not a service of etcd's protos`);
  }
  return found as protoLoader.ServiceDefinition;
}

/** The protobuf-encoded size of a WatchResponse (gogoproto's Size()), which sendFragments needs. */
export function watchResponseSize(response: object): number {
  return serviceDefinition('etcdserverpb.Watch').Watch!.responseSerialize(response).length;
}
