import { EtcdError, type Event, type Store } from '../store/index.ts';
import type { AppliedRequests } from './applied-requests.ts';
import type { ApplyResult } from './apply-v2.ts';
import { parseWithBigInts, stringifyWithBigInts } from './bigint-json.ts';
import { ServerError } from './errors.ts';
import type { AuthSnapshot } from '../auth/index.ts';
import type { PersistedLease } from '../lease/index.ts';
import type { V3Response } from './v3/apply-v3.ts';
import type { AlarmMember } from './v3/rpc.ts';
import { RpcError, type GrpcCode } from './v3/errors.ts';

/**
 * What a member's Raft snapshot carries: the replicated state that is not in the log any more.
 * That is the v2 store (etcd's snapshot is the store's JSON too), the window of applied request
 * IDs, so that a retried write stays deduplicated across a snapshot, and the v3 state's
 * description: its revision, compaction, leases and alarms. The v3 key bucket itself can be far
 * larger than a message, so it is not in the payload: a member installing the snapshot pulls
 * those rows from the sender first (etcd streams its bbolt file beside the snapshot message).
 */

/**
 * The payload, one JSON document per line (JSON never holds a raw newline): the applied-request
 * window, the v2 store, and the v3 description (absent in snapshots taken before the v3 API).
 */
export function encodeSnapshot(store: Store, applied: AppliedRequests, v3: V3SnapshotMeta): string {
  return `${stringifyWithBigInts(applied.save())}\n${store.save()}\n${stringifyWithBigInts(v3)}`;
}

export function decodeSnapshot(data: string): { store: string; applied: [string, ApplyResult][]; v3: V3SnapshotMeta | undefined } {
  const [window = '[]', store = '', v3] = data.split('\n');
  const saved = parseWithBigInts<[string, SavedOutcome][]>(window);
  const applied = saved.map(([id, outcome]): [string, ApplyResult] => [id, reviveOutcome(outcome)]);
  return { store, applied, v3: v3 === undefined ? undefined : parseWithBigInts<V3SnapshotMeta>(v3) };
}

/** The v3 state as of a snapshot, less its key bucket (see above). */
export interface V3SnapshotMeta {
  /** The store's revision: the sender's rows up to it are the snapshot's key bucket. */
  revision: number;
  /** The scheduled and the physically finished compaction (etcd's meta keys). */
  compactRev: number;
  finishedCompactRev: number;
  leases: PersistedLease[];
  alarms: AlarmMember[];
  /** v3 auth's users, roles, switch and revision (absent in snapshots taken before it). */
  auth?: AuthSnapshot;
}

interface SavedOutcome {
  event?: Event;
  error?: unknown;
  v3?: { response?: V3Response; error?: { code: number; message: string } };
}

/** Errors in a saved outcome were written as their JSON; make them store, server or rpc errors again. */
function reviveOutcome(outcome: SavedOutcome): ApplyResult {
  if (outcome.v3 !== undefined) {
    const { response, error } = outcome.v3;
    return { v3: error === undefined ? (response === undefined ? {} : { response }) : { error: new RpcError(error.code as GrpcCode, error.message) } };
  }
  if (outcome.error === undefined) return outcome.event === undefined ? {} : { event: outcome.event };
  const e = outcome.error as { errorCode?: number; cause?: string; index?: number; message?: string };
  if (typeof e.errorCode === 'number') return { error: new EtcdError(e.errorCode, e.cause, e.index) };
  return { error: new ServerError(e.message ?? ServerError.Timeout) };
}
