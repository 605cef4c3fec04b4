import type { V3Api, V3Context } from '../../server/index.ts';
import { clientAddress } from '../v2/basic-auth.ts';

/**
 * The caller's token as etcd reads it from the gateway's metadata (auth/store.go
 * `AuthInfoFromCtx`): the `token` key (a `Grpc-Metadata-Token` header) first, then
 * `authorization` (grpc-gateway passes the `Authorization` header on under that name, as it is:
 * `Bearer x` is not a token etcd knows). A header that is there but empty is a token, and invalid.
 */
export function requestToken(headers: Headers): string | undefined {
  return headers.get('Grpc-Metadata-Token') ?? headers.get('Authorization') ?? undefined;
}

/** Who is calling: the token, and the client address the failed-login throttle counts against. */
export function requestCaller(request: Request): { token?: string; client: string } {
  const token = requestToken(request.headers);
  return { client: clientAddress(request), ...(token === undefined ? {} : { token }) };
}

/**
 * A V3Api whose every call carries `context`: what the lock and election services (clients of the
 * member, in etcd through an in-process clientv3 that passes the caller's metadata on) call, so
 * their txns, ranges and watches are checked as the caller's.
 */
export function withContext(api: V3Api, context: V3Context): V3Api {
  return {
    range: (r) => api.range(r, context),
    put: (r) => api.put(r, context),
    deleteRange: (r) => api.deleteRange(r, context),
    txn: (r) => api.txn(r, context),
    compact: (r) => api.compact(r, context),
    watch: (onResponse) => api.watch(onResponse, context),
    leaseGrant: (r) => api.leaseGrant(r, context),
    leaseRevoke: (r) => api.leaseRevoke(r, context),
    leaseKeepAlive: (r) => api.leaseKeepAlive(r),
    leaseTimeToLive: (r) => api.leaseTimeToLive(r),
    leaseLeases: () => api.leaseLeases(),
    memberList: (linearizable) => api.memberList(linearizable),
    memberAdd: (r, nowMs) => api.memberAdd(r, nowMs, context),
    memberRemove: (r) => api.memberRemove(r, context),
    memberUpdate: (r) => api.memberUpdate(r, context),
    memberPromote: (r) => api.memberPromote(r),
    status: () => api.status(),
    hash: () => api.hash(),
    moveLeader: (r, signal) => api.moveLeader(r, signal),
    isLearner: () => api.isLearner(),
    hashKV: (r) => api.hashKV(r, context),
    alarm: (r) => api.alarm(r, context),
    defragment: () => api.defragment(context),
    header: () => api.header(),
  };
}
