import type { CallSignal } from '../leader-transfer.ts';
import { hashBackend } from './backend-hash.ts';
import type * as pb from './rpc.ts';
import { toServerRpcError, type V3Host } from './v3-server.ts';

/**
 * etcd 3.4's maintenance Hash (v3rpc/maintenance.go `Hash`): the whole backend (`hashBackend`)
 * and the store's revision, read in one synchronous step once no compaction is pending (this
 * member compacts in steps, and the hash must not depend on how far it got).
 */
export async function backendHashResponse(host: V3Host): Promise<pb.HashResponse> {
  do await host.compactionDone();
  while (host.kv.compactionPending());
  const { members, removed, clusterVersion } = host.membershipState();
  const hash = hashBackend({
    kv: host.backends.kv,
    alarms: host.alarms.get('NONE'),
    leases: host.backends.leases.all(),
    members,
    removed,
    clusterVersion,
  });
  return { header: host.header(), hash };
}

/**
 * etcd 3.4's maintenance MoveLeader: "not leader" unless this member leads, then the server's
 * `MoveLeader`; an empty answer (no header) once the transferee leads. A timeout is not one of
 * v3rpc's mapped errors, so it reaches the client as Unknown with etcd's message.
 */
export async function moveLeader(host: V3Host, transferee: string, signal: CallSignal | undefined): Promise<Record<string, never>> {
  try {
    await host.moveLeader(transferee, signal);
  } catch (error) {
    throw toServerRpcError(error);
  }
  return {};
}
