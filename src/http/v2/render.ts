import { ServerError, type ServerResponse } from '../../server/index.ts';
import { EtcdError, ErrorCode, type Event, type EventJSON } from '../../store/index.ts';
import { jsonBody } from '../responses.ts';
import { STORE_KEYS_PREFIX } from './key-request.ts';

/** Headers etcd puts on every v2 keys response. */
export interface EtcdHeaders {
  clusterId: string;
}

/**
 * An event as the keys API shows it (v2http `writeKeyEvent`): keys without the `/1` prefix,
 * `201 Created` for a create, the index headers, and without node and prevNode for
 * `noValueOnSuccess` writes.
 */
export function renderEvent(event: Event, response: ServerResponse, headers: Headers, noValueOnSuccess = false): Response {
  headers.set('Content-Type', 'application/json');
  headers.set('X-Etcd-Index', String(event.etcdIndex));
  headers.set('X-Raft-Index', String(response.index));
  headers.set('X-Raft-Term', String(response.term));
  const hideNodes = noValueOnSuccess && ['set', 'compareAndSwap', 'create', 'update'].includes(event.action);
  return new Response(jsonBody(eventJSON(event, hideNodes)), { status: event.isCreated ? 201 : 200, headers });
}

/** The event's JSON body with the store prefix trimmed from every key (v2http `trimEventPrefix`). */
export function eventJSON(event: Event, hideNodes = false): EventJSON | { action: Event['action'] } {
  if (hideNodes) return { action: event.action };
  return event.trimPrefix(STORE_KEYS_PREFIX).toJSON();
}

/**
 * etcd's `writeKeyError`: a store error as it is (cause without the `/1` prefix), anything else
 * as 300 Raft Internal Error with its message as the cause.
 */
export function renderKeyError(error: unknown, headers: Headers): Response {
  const etcdError =
    error instanceof EtcdError
      ? error
      : new EtcdError(ErrorCode.RaftInternal, error instanceof Error ? error.message : String(error));
  // v2http `trimErrorPrefix`: strings.TrimPrefix(cause, "/1").
  const trimmed = etcdError.cause.startsWith(STORE_KEYS_PREFIX) ? etcdError.withCause(etcdError.cause.slice(STORE_KEYS_PREFIX.length)) : etcdError;
  headers.set('Content-Type', 'application/json');
  headers.append('X-Etcd-Index', String(trimmed.index));
  // The member's watcher cap (edgecd's own limit): 429 so a client backs off rather than retries.
  const status = trimmed.cause === ServerError.TooManyWatchers ? 429 : trimmed.status;
  return new Response(jsonBody(trimmed.toJSON()), { status, headers });
}

/** etcd's `httptypes.HTTPError`: `{"message": ...}` with a status, no trailing newline (json.Marshal). */
export function httpError(status: number, message: string, headers = new Headers()): Response {
  headers.set('Content-Type', 'application/json');
  return new Response(JSON.stringify({ message }), { status, headers });
}
