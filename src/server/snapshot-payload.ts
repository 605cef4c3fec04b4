import { EtcdError, type Event, type Store } from '../store/index.ts';
import type { AppliedRequests } from './applied-requests.ts';
import type { ApplyResult } from './apply-v2.ts';
import { ServerError } from './errors.ts';

/**
 * What a member's Raft snapshot carries: the replicated state that is not in the log any more.
 * That is the v2 store (etcd's snapshot is the store's JSON too) and the window of applied request
 * IDs, so that a retried write stays deduplicated across a snapshot.
 */

/** The snapshot payload: the applied-request window on the first line, then the store. */
export function encodeSnapshot(store: Store, applied: AppliedRequests): string {
  return `${JSON.stringify(applied.save())}\n${store.save()}`;
}

export function decodeSnapshot(data: string): { store: string; applied: [string, ApplyResult][] } {
  const newline = data.indexOf('\n');
  const applied = (JSON.parse(data.slice(0, newline)) as [string, { event?: Event; error?: unknown }][]).map(
    ([id, outcome]): [string, ApplyResult] => [id, reviveOutcome(outcome)],
  );
  return { store: data.slice(newline + 1), applied };
}

/** Errors in a saved outcome were written as their JSON; make them store errors again. */
function reviveOutcome(outcome: { event?: Event; error?: unknown }): ApplyResult {
  if (outcome.error === undefined) return outcome.event === undefined ? {} : { event: outcome.event };
  const e = outcome.error as { errorCode?: number; cause?: string; index?: number; message?: string };
  if (typeof e.errorCode === 'number') return { error: new EtcdError(e.errorCode, e.cause, e.index) };
  return { error: new ServerError(e.message ?? ServerError.Timeout) };
}
