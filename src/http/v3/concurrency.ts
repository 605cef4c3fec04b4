import { GrpcCode, rangeRequest, Rpc, RpcError, type RangeRequest, type RangeResponse, type ResponseHeader, type ResponseOp, type V3Api, type V3WatchStream, type WatchCreateRequest, type WatchResponse } from '../../server/index.ts';

/**
 * What etcd's lock and election services are built from (clientv3/concurrency: session.go,
 * key.go, and the clientv3 options they use), over a member's V3Api instead of a client.
 */

/** concurrency's `defaultSessionTTL`, in seconds. */
export const SESSION_TTL = 60;

/** clientv3's `getPrefix`: the end of the range of keys that start with `key`. */
export function prefixEnd(key: string): string {
  for (let i = key.length - 1; i >= 0; i--) {
    const c = key.charCodeAt(i);
    if (c < 0xff) return key.slice(0, i) + String.fromCharCode(c + 1);
  }
  return '\0';
}

/**
 * The lease of the session a lock or election request opens (`NewSession(WithLease(lease))`):
 * the given one, or for none (0) a new lease of 60 s. The session's keep-alive is orphaned at once
 * (the servers call `s.Orphan()`), so the lease is left to expire.
 */
export async function sessionLease(api: V3Api, lease: bigint): Promise<bigint> {
  if (lease !== 0n) return lease;
  return (await api.leaseGrant({ ttl: SESSION_TTL, id: 0n })).id;
}

/** `fmt.Sprintf("%x", leaseID)`: lower-case hex of the int64. */
export function leaseHex(lease: bigint): string {
  return lease < 0n ? `-${(-lease).toString(16)}` : lease.toString(16);
}

/** `OpGet(key, opts...)`: a range request with the zero values filled in. */
export function rangeOf(key: string, options: Partial<RangeRequest> = {}): RangeRequest {
  return rangeRequest({ key, ...options });
}

/** `OpGet(pfx, WithFirstCreate()...)`: the oldest key under the prefix. */
export function firstCreate(prefix: string): RangeRequest {
  return rangeOf(prefix, { rangeEnd: prefixEnd(prefix), sortTarget: 'CREATE', sortOrder: 'ASCEND', limit: 1 });
}

/** `ResponseOp.GetResponseRange()`. */
export function rangeResponse(op: ResponseOp | undefined): RangeResponse {
  if (op !== undefined && 'responseRange' in op) return op.responseRange;
  throw new Error('txn answered without a range response');
}

/**
 * `waitDeletes`: waits until no key under `prefix` created at or before `maxCreateRevision` is
 * left, watching the newest such key for its delete each time; answers the header of the last
 * range (the one that found none).
 */
export async function waitDeletes(api: V3Api, prefix: string, maxCreateRevision: number, signal: AbortSignal): Promise<ResponseHeader> {
  const lastCreate = rangeOf(prefix, { rangeEnd: prefixEnd(prefix), sortTarget: 'CREATE', sortOrder: 'DESCEND', limit: 1, maxCreateRevision });
  for (;;) {
    const response = await api.range(lastCreate);
    const newest = response.kvs[0];
    if (newest === undefined) return response.header;
    await watchUntil(api, watchFrom(newest.key, response.header.revision), (r) => r.events.some((e) => e.type === 'DELETE'), signal);
  }
}

export function watchFrom(key: string, startRevision: number, rangeEnd = ''): WatchCreateRequest {
  return { key, rangeEnd, startRevision, progressNotify: false, filters: [], prevKv: false, watchId: 0, fragment: false };
}

/** The error a client's watch channel ends with (clientv3 `WatchResponse.Err`). */
function watchError(response: WatchResponse): RpcError {
  if (response.compactRevision !== 0) return Rpc.Compacted;
  if (response.cancelReason !== '') return new RpcError(GrpcCode.FailedPrecondition, response.cancelReason);
  return Rpc.FutureRev;
}

/** What a wait ends with when its client goes away (Go's `context.Canceled`). */
export const CANCELED = 'context canceled';

/**
 * Watches until `done` says a response is the one awaited: resolves then, rejects when the watch
 * is cancelled by the member or `signal` aborts.
 */
export function watchUntil(api: V3Api, create: WatchCreateRequest, done: (response: WatchResponse) => boolean, signal: AbortSignal): Promise<void> {
  return watchEach(api, create, (response) => (done(response) ? 'stop' : 'more'), signal);
}

/** Calls `each` with every response (creation answered) until it says stop. */
export function watchEach(api: V3Api, create: WatchCreateRequest, each: (response: WatchResponse) => 'stop' | 'more', signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    let stream: V3WatchStream | undefined;
    const finish = (error?: Error): void => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      queueMicrotask(() => stream?.close());
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => finish(new Error(CANCELED));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream = api.watch((response) => {
      if (finished) return;
      if (response.canceled) return finish(watchError(response));
      if (response.created && response.events.length === 0) return;
      if (each(response) === 'stop') finish();
    });
    stream.send({ createRequest: create });
  });
}
