import WebSocket from 'ws';
import { decodeFirst, decodeMessage, encodeMessage, messages as m, type V3GatewayApi } from '../../src/http/v3/index.ts';
import { textOf, type JsonValue } from '../../src/http/v3/go-json-value.ts';
import type { MessageType } from '../../src/http/v3/proto-schema.ts';
import { GrpcCode, RpcError, type ResponseHeader, type V3WatchStream, type WatchRequest, type WatchResponse } from '../../src/server/index.ts';

/**
 * A V3Api served by a real etcd 3.4 through its own JSON gateway: the typed request is encoded
 * with edgecd's encoder, etcd's answer decoded with edgecd's decoder. With it, edgecd's gateway
 * (routes, streams, WebSockets, lock and election) runs against real etcd semantics before a
 * member serves V3Api, and the differential harness can compare "edgecd's gateway in front of
 * etcd" with "etcd" (any difference is the gateway's or the codec's).
 */
export async function etcdV3Api(baseURL: string): Promise<V3GatewayApi> {
  let last: ResponseHeader | undefined;
  const remember = <T>(response: T): T => {
    const header = (response as { header?: ResponseHeader }).header;
    if (header !== undefined && header.clusterId !== '0' && header.revision !== 0) last = header;
    return response;
  };
  const post = async <T>(path: string, requestType: MessageType, responseType: MessageType, request: object): Promise<T> => {
    const response = await fetch(`${baseURL}${path}`, { method: 'POST', body: encodeMessage(requestType, request) });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const decoded = decodeFirst(bytes);
    if (!('value' in decoded)) throw new Error(`etcd answered ${response.status} without JSON`);
    if (response.status !== 200) throw rpcErrorOf(decoded.value);
    return remember(decodeMessage(responseType, decoded.value) as T);
  };
  const api: V3GatewayApi = {
    range: (r) => post('/v3/kv/range', m.RangeRequest, m.RangeResponse, r),
    put: (r) => post('/v3/kv/put', m.PutRequest, m.PutResponse, r),
    deleteRange: (r) => post('/v3/kv/deleterange', m.DeleteRangeRequest, m.DeleteRangeResponse, r),
    txn: (r) => post('/v3/kv/txn', m.TxnRequest, m.TxnResponse, r),
    compact: (r) => post('/v3/kv/compaction', m.CompactionRequest, m.CompactionResponse, r),
    watch: (onResponse) => watchOver(baseURL, (response) => onResponse(remember(response))),
    leaseGrant: (r) => post('/v3/lease/grant', m.LeaseGrantRequest, m.LeaseGrantResponse, r),
    leaseRevoke: (r) => post('/v3/lease/revoke', m.LeaseRevokeRequest, m.LeaseRevokeResponse, r),
    leaseKeepAlive: async (r) => {
      const response = await fetch(`${baseURL}/v3/lease/keepalive`, { method: 'POST', body: encodeMessage(m.LeaseKeepAliveRequest, r) });
      const line = (await response.text()).split('\n')[0]!;
      const decoded = decodeFirst(new TextEncoder().encode(line));
      if (!('value' in decoded) || decoded.value.kind !== 'object') throw new Error(`keep-alive answered ${response.status}: ${line}`);
      const result = decoded.value.fields.get('result');
      if (result !== undefined) return remember(decodeMessage(m.LeaseKeepAliveResponse, result) as never);
      throw rpcErrorOf(decoded.value.fields.get('error')!, 'grpc_code');
    },
    leaseTimeToLive: (r) => post('/v3/lease/timetolive', m.LeaseTimeToLiveRequest, m.LeaseTimeToLiveResponse, r),
    leaseLeases: () => post('/v3/lease/leases', m.LeaseLeasesRequest, m.LeaseLeasesResponse, {}),
    memberList: () => post('/v3/cluster/member/list', m.MemberListRequest, m.MemberListResponse, {}),
    memberAdd: (r) => post('/v3/cluster/member/add', m.MemberAddRequest, m.MemberAddResponse, r),
    memberRemove: (r) => post('/v3/cluster/member/remove', m.MemberRemoveRequest, m.MemberRemoveResponse, r),
    memberUpdate: (r) => post('/v3/cluster/member/update', m.MemberUpdateRequest, m.MemberUpdateResponse, r),
    memberPromote: (r) => post('/v3/cluster/member/promote', m.MemberPromoteRequest, m.MemberPromoteResponse, r),
    status: () => post('/v3/maintenance/status', m.StatusRequest, m.StatusResponse, {}),
    hashKV: () => Promise.reject(new RpcError(GrpcCode.Unimplemented, "etcd's gateway routes /v3/maintenance/hash to Hash")),
    hash: () => post('/v3/maintenance/hash', m.HashRequest, m.HashResponse, {}),
    alarm: (r) => post('/v3/maintenance/alarm', m.AlarmRequest, m.AlarmResponse, { ...r, memberId: r.memberId === '' ? '0' : r.memberId }),
    defragment: () => post('/v3/maintenance/defragment', m.DefragmentRequest, m.DefragmentResponse, {}),
    moveLeader: (r) => post('/v3/maintenance/transfer-leadership', m.MoveLeaderRequest, m.MoveLeaderResponse, r),
    header: () => {
      if (last === undefined) throw new Error('no header seen yet');
      return last;
    },
    // The real etcd behind refuses a learner's calls itself; edgecd's gateway need not.
    isLearner: () => false,
  };
  await api.status();
  return api;
}

function rpcErrorOf(value: JsonValue, codeField = 'code'): RpcError {
  if (value.kind !== 'object') return new RpcError(GrpcCode.Unknown, 'etcd answered an error that is not JSON');
  const message = value.fields.get('message');
  const code = value.fields.get(codeField);
  const text = message?.kind === 'string' ? textOf(message.value) : '';
  return new RpcError((code?.kind === 'number' ? Number(code.text) : GrpcCode.Unknown) as GrpcCode, text);
}

/** One etcd watch stream over etcd's WebSocket gateway (one socket: many watches, in order). */
function watchOver(baseURL: string, onResponse: (response: WatchResponse) => void): V3WatchStream {
  const socket = new WebSocket(`${baseURL.replace(/^http/, 'ws')}/v3/watch`);
  const queued: string[] = [];
  let open = false;
  socket.on('open', () => {
    open = true;
    for (const text of queued.splice(0)) socket.send(text);
  });
  socket.on('message', (data: WebSocket.RawData) => {
    const decoded = decodeFirst(new Uint8Array(data as Buffer));
    if (!('value' in decoded) || decoded.value.kind !== 'object') return;
    const result = decoded.value.fields.get('result');
    if (result !== undefined) onResponse(decodeMessage(m.WatchResponse, result) as unknown as WatchResponse);
  });
  socket.on('error', () => undefined);
  return {
    send(request: WatchRequest) {
      const text = encodeMessage(m.WatchRequest, request);
      if (open) socket.send(text);
      else queued.push(text);
    },
    close() {
      socket.close();
    },
  };
}
