export { computeClusterId, computeMemberId, compareIds, formatId, type MemberId } from './member-id.ts';
export { decodeRequest, encodeRequest, isReplicated, newRequest, type V2Method, type V2Request } from './request.ts';
