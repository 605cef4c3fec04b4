export type { FollowerStatsJSON, LeaderStatsJSON, SelfStatsJSON } from './stats.ts';
export { EtcdServer, CLUSTER_VERSION, MAX_REQUEST_BYTES, type ServerOptions, type ServerResponse } from './etcd-server.ts';
export { MembershipError, type Member, type MemberContext } from './cluster.ts';
export { ServerError } from './errors.ts';
export { computeClusterId, computeMemberId, compareIds, formatId, type MemberId } from './member-id.ts';
export type { Clock, LogStore, Logger, PeerTransport } from './ports.ts';
export { decodeRequest, encodeRequest, newRequest, type V2Method, type V2Request } from './request.ts';
