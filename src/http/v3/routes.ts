import { Rpc } from '../../server/index.ts';
import type * as rpc from '../../server/index.ts';
import { newURLs } from '../v2/peer-urls.ts';
import { AUTH_ROUTES, authHandler } from './auth-routes.ts';
import { withContext } from './call-context.ts';
import { campaign, leader, MISSING_LEADER, observe, proclaim, resign } from './election.ts';
import * as m from './etcd-messages.ts';
import type { LeaderKey, V3GatewayApi } from './gateway-api.ts';
import { unimplemented } from './grpc-status.ts';
import { encodeMessage } from './jsonpb-encode.ts';
import { lock, unlock } from './lock.ts';
import type { MessageType } from './proto-schema.ts';
import { clusterHeader, txnShape, withoutHeader } from './response-shapes.ts';
import { keepAliveRoute, serverStream, watchRoute } from './streams.ts';
import { emptyOpError } from './txn-check.ts';
import { unary, type GatewayCall, type RouteHandler } from './unary.ts';

/**
 * Every route etcd 3.4's gateway registers (rpc.pb.gw.go, v3lock.pb.gw.go,
 * v3election.pb.gw.go), all POST, and what each calls. `/v3/maintenance/hash` is registered for
 * Hash and HashKV; grpc-gateway 1.x keeps the first registration, so it is Hash (the oracle
 * agrees). The lease routes have `/v3/kv/lease/...` aliases; keep-alive has none.
 */
export interface Route {
  service: string;
  method: string;
  /** The request message (decoded before anything is called, even when the service is missing). */
  request: MessageType;
  /** A bidirectional stream decodes its first message with other errors than a unary call. */
  bidirectional: boolean;
  handler: RouteHandler;
}

/** What a call carries besides its message: the front door's request ID, the caller's token and address. */
const context = (call: GatewayCall): rpc.V3Context => ({
  ...(call.requestId === undefined ? {} : { requestId: call.requestId }),
  ...(call.token === undefined ? {} : { token: call.token }),
  ...(call.client === undefined ? {} : { client: call.client }),
});

/**
 * The member's V3Api as the lock and election services reach it: as the caller (its token and
 * address), but without the front door's request ID, which names the one request it came with,
 * not each of the writes a lock or a campaign makes.
 */
const asCaller = (call: GatewayCall): rpc.V3Api => {
  const { requestId: _id, ...caller } = context(call);
  return withContext(call.api, caller);
};

/** An error of a service that is a client of the member (lock, election): clientv3's errors carry no code. */
function asClientError(error: unknown): Error {
  return new Error(error instanceof Error ? error.message : String(error));
}

function clientCall<T>(run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    throw asClientError(error);
  });
}

/** The abort signal of a call that never aborts when the platform gives none. */
const signalOf = (call: GatewayCall): AbortSignal => call.signal ?? new AbortController().signal;

/**
 * The signal of a call that waits on the member (MoveLeader): aborted when the client goes away
 * or its `Grpc-Timeout` passes (the gateway then answers DeadlineExceeded; the member stops waiting).
 */
async function withCallSignal<T>(call: GatewayCall, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (call.timeoutMs === undefined) return run(signalOf(call));
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  const timer = setTimeout(abort, Math.max(0, call.timeoutMs));
  if (call.signal?.aborted === true) abort();
  else call.signal?.addEventListener('abort', abort, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', abort);
  }
}

function optional<K extends keyof V3GatewayApi>(api: V3GatewayApi, name: K, service: string, method: string): NonNullable<V3GatewayApi[K]> {
  const fn = api[name];
  if (fn === undefined) throw unimplemented(service, method);
  return (typeof fn === 'function' ? fn.bind(api) : fn) as NonNullable<V3GatewayApi[K]>;
}

const KV = 'etcdserverpb.KV';
const LEASE = 'etcdserverpb.Lease';
const CLUSTER = 'etcdserverpb.Cluster';
const MAINTENANCE = 'etcdserverpb.Maintenance';
const AUTH = 'etcdserverpb.Auth';
const LOCK = 'v3lockpb.Lock';
const ELECTION = 'v3electionpb.Election';

function route(service: string, method: string, request: MessageType, handler: RouteHandler, bidirectional = false): Route {
  return { service, method, request, bidirectional, handler };
}

/** The admin check of a route whose V3Api method takes no context (see `V3GatewayApi.authorize`). */
function authorized(call: GatewayCall, kind: 'maintenance' | 'membership'): void {
  call.api.authorize?.(kind, context(call));
}

const leaseRoutes = (prefix: string): [string, Route][] => [
  [`${prefix}/revoke`, route(LEASE, 'LeaseRevoke', m.LeaseRevokeRequest, unary<rpc.LeaseRevokeRequest, rpc.LeaseRevokeResponse>(m.LeaseRevokeRequest, m.LeaseRevokeResponse, (r, call) => call.api.leaseRevoke(r, context(call))))],
  [`${prefix}/timetolive`, route(LEASE, 'LeaseTimeToLive', m.LeaseTimeToLiveRequest, unary<rpc.LeaseTimeToLiveRequest, rpc.LeaseTimeToLiveResponse>(m.LeaseTimeToLiveRequest, m.LeaseTimeToLiveResponse, (r, call) => call.api.leaseTimeToLive(r)))],
  [`${prefix}/leases`, route(LEASE, 'LeaseLeases', m.LeaseLeasesRequest, unary<unknown, rpc.LeaseLeasesResponse>(m.LeaseLeasesRequest, m.LeaseLeasesResponse, (_, call) => call.api.leaseLeases()))],
];

export const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['/v3/kv/range', route(KV, 'Range', m.RangeRequest, unary<rpc.RangeRequest, rpc.RangeResponse>(m.RangeRequest, m.RangeResponse, (r, call) => call.api.range(r, context(call))))],
  ['/v3/kv/put', route(KV, 'Put', m.PutRequest, unary<rpc.PutRequest, rpc.PutResponse>(m.PutRequest, m.PutResponse, (r, call) => call.api.put(r, context(call))))],
  ['/v3/kv/deleterange', route(KV, 'DeleteRange', m.DeleteRangeRequest, unary<rpc.DeleteRangeRequest, rpc.DeleteRangeResponse>(m.DeleteRangeRequest, m.DeleteRangeResponse, (r, call) => call.api.deleteRange(r, context(call))))],
  [
    '/v3/kv/txn',
    route(KV, 'Txn', m.TxnRequest, unary<rpc.TxnRequest, rpc.TxnResponse>(m.TxnRequest, m.TxnResponse, async (r, call) => {
      const refused = emptyOpError(r);
      if (refused !== undefined) throw refused;
      return txnShape(await call.api.txn(r, context(call)));
    })),
  ],
  ['/v3/kv/compaction', route(KV, 'Compact', m.CompactionRequest, unary<rpc.CompactionRequest, rpc.CompactionResponse>(m.CompactionRequest, m.CompactionResponse, (r, call) => call.api.compact(r, context(call))))],

  ['/v3/watch', route('etcdserverpb.Watch', 'Watch', m.WatchRequest, watchRoute, true)],

  ['/v3/lease/grant', route(LEASE, 'LeaseGrant', m.LeaseGrantRequest, unary<rpc.LeaseGrantRequest, rpc.LeaseGrantResponse>(m.LeaseGrantRequest, m.LeaseGrantResponse, (r, call) => call.api.leaseGrant(r, context(call))))],
  ['/v3/lease/keepalive', route(LEASE, 'LeaseKeepAlive', m.LeaseKeepAliveRequest, keepAliveRoute, true)],
  ...leaseRoutes('/v3/lease'),
  ...leaseRoutes('/v3/kv/lease'),

  ['/v3/cluster/member/add', route(CLUSTER, 'MemberAdd', m.MemberAddRequest, unary<{ peerURLs: string[]; isLearner: boolean }, rpc.MemberAddResponse>(m.MemberAddRequest, m.MemberAddResponse, async (r, call) => {
    // v3rpc's MemberAdd checks the URLs first (`types.NewURLs`, which also sorts them).
    const urls = newURLs(r.peerURLs);
    if ('error' in urls) throw Rpc.MemberBadURLs;
    const response = await call.api.memberAdd({ peerURLs: urls.peerURLs, isLearner: r.isLearner }, call.now(), context(call));
    return { ...response, header: clusterHeader(response.header) };
  }))],
  ['/v3/cluster/member/remove', route(CLUSTER, 'MemberRemove', m.MemberRemoveRequest, unary<{ id: string }, rpc.MemberRemoveResponse>(m.MemberRemoveRequest, m.MemberRemoveResponse, async (r, call) => {
    const response = await call.api.memberRemove({ id: r.id }, context(call));
    return { ...response, header: clusterHeader(response.header) };
  }))],
  ['/v3/cluster/member/update', route(CLUSTER, 'MemberUpdate', m.MemberUpdateRequest, unary<{ id: string; peerURLs: string[] }, rpc.MemberUpdateResponse>(m.MemberUpdateRequest, m.MemberUpdateResponse, async (r, call) => {
    const response = await call.api.memberUpdate({ id: r.id, peerURLs: r.peerURLs }, context(call));
    return { ...response, header: clusterHeader(response.header) };
  }))],
  // etcd 3.4's MemberList has no `linearizable` field: it is served from the member's own view.
  ['/v3/cluster/member/list', route(CLUSTER, 'MemberList', m.MemberListRequest, unary<unknown, rpc.MemberListResponse>(m.MemberListRequest, m.MemberListResponse, async (_, call) => {
    const response = await call.api.memberList(false);
    return { ...response, header: clusterHeader(response.header) };
  }))],
  ['/v3/cluster/member/promote', route(CLUSTER, 'MemberPromote', m.MemberPromoteRequest, unary<{ id: string }, rpc.MemberPromoteResponse>(m.MemberPromoteRequest, m.MemberPromoteResponse, async (r, call) => {
    authorized(call, 'membership');
    const response = await call.api.memberPromote({ id: r.id });
    return { ...response, header: clusterHeader(response.header) };
  }))],

  ['/v3/maintenance/alarm', route(MAINTENANCE, 'Alarm', m.AlarmRequest, unary<rpc.AlarmRequest, unknown>(m.AlarmRequest, m.AlarmResponse, async (r, call) => {
    // rpc.ts names "every member" (memberID 0) ''.
    const response = await call.api.alarm({ ...r, memberId: r.memberId === '0' ? '' : r.memberId }, context(call));
    return withoutHeader(response);
  }))],
  ['/v3/maintenance/status', route(MAINTENANCE, 'Status', m.StatusRequest, unary<unknown, rpc.StatusResponse>(m.StatusRequest, m.StatusResponse, (_, call) => call.api.status()))],
  ['/v3/maintenance/defragment', route(MAINTENANCE, 'Defragment', m.DefragmentRequest, unary<unknown, unknown>(m.DefragmentRequest, m.DefragmentResponse, async (_, call) => withoutHeader(await call.api.defragment(context(call)))))],
  ['/v3/maintenance/hash', route(MAINTENANCE, 'Hash', m.HashRequest, unary<unknown, unknown>(m.HashRequest, m.HashResponse, async (_, call) => {
    authorized(call, 'maintenance');
    return call.api.hash();
  }))],
  // edgecd's one route beyond etcd 3.4's gateway: HashKV, which etcd's gateway shadows with Hash
  // (above) and serves over gRPC only. With it, `etcdctl endpoint hashkv` works through edgecd's
  // gRPC server, which reaches the cluster over this gateway. A listed difference (etcd: 404).
  ['/v3/maintenance/hashkv', route(MAINTENANCE, 'HashKV', m.HashKVRequest, unary<rpc.HashKVRequest, rpc.HashKVResponse>(m.HashKVRequest, m.HashKVResponse, (r, call) => call.api.hashKV(r, context(call))))],
  ['/v3/maintenance/snapshot', route(MAINTENANCE, 'Snapshot', m.SnapshotRequest, serverStream(m.SnapshotRequest, async (_, lines, call) => {
    const snapshot = optional(call.api, 'snapshot', MAINTENANCE, 'Snapshot');
    authorized(call, 'maintenance');
    for await (const chunk of snapshot()) lines.result(encodeMessage(m.SnapshotResponse, chunk));
  }))],
  ['/v3/maintenance/transfer-leadership', route(MAINTENANCE, 'MoveLeader', m.MoveLeaderRequest, unary<{ targetId: string }, unknown>(m.MoveLeaderRequest, m.MoveLeaderResponse, (r, call) => withCallSignal(call, (signal) => call.api.moveLeader({ targetId: r.targetId }, signal))))],

  ...AUTH_ROUTES.map(([path, method, request, response]): [string, Route] => [path, route(AUTH, method, request, authHandler(method, request, response, context))]),

  ['/v3/lock/lock', route(LOCK, 'Lock', m.LockRequest, unary<{ name: string; lease: bigint }, unknown>(m.LockRequest, m.LockResponse, (r, call) => clientCall(() => lock(asCaller(call), r, signalOf(call)))))],
  ['/v3/lock/unlock', route(LOCK, 'Unlock', m.UnlockRequest, unary<{ key: string }, unknown>(m.UnlockRequest, m.UnlockResponse, (r, call) => clientCall(() => unlock(asCaller(call), r))))],

  ['/v3/election/campaign', route(ELECTION, 'Campaign', m.CampaignRequest, unary<{ name: string; lease: bigint; value: string }, unknown>(m.CampaignRequest, m.CampaignResponse, (r, call) => clientCall(() => campaign(asCaller(call), r, signalOf(call)))))],
  ['/v3/election/proclaim', route(ELECTION, 'Proclaim', m.ProclaimRequest, unary<{ leader?: LeaderKey; value: string }, unknown>(m.ProclaimRequest, m.ProclaimResponse, (r, call) => clientCall(() => proclaim(asCaller(call), r))))],
  ['/v3/election/leader', route(ELECTION, 'Leader', m.LeaderRequest, unary<{ name: string }, unknown>(m.LeaderRequest, m.LeaderResponse, (r, call) => clientCall(() => leader(asCaller(call), r))))],
  ['/v3/election/observe', route(ELECTION, 'Observe', m.LeaderRequest, serverStream(m.LeaderRequest, (r, lines, call, signal) => observe(asCaller(call), r as { name: string }, (response) => lines.result(encodeMessage(m.LeaderResponse, response)), signal)))],
  ['/v3/election/resign', route(ELECTION, 'Resign', m.ResignRequest, unary<{ leader?: LeaderKey }, unknown>(m.ResignRequest, m.ResignResponse, (r, call) => clientCall(() => resign(asCaller(call), r))))],
]);

/** The error a request for a missing leader key gets (exported for tests). */
export { MISSING_LEADER };
