import { parseWithBigInts, stringifyWithBigInts } from '../bigint-json.ts';
import { deleteRangeRequest, putRequest, rangeRequest } from './requests.ts';
import type {
  AlarmRequest,
  CompactionRequest,
  Compare,
  DeleteRangeRequest,
  LeaseGrantRequest,
  LeaseRevokeRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  TxnRequest,
} from './rpc.ts';
import { authOperationWithDefaults, isAuthOperationKey, type AuthOperation, type RequestAuth } from './auth-request.ts';

/**
 * A v3 write as it travels through the Raft log: etcd's `InternalRaftRequest` (raft_internal.proto),
 * one of its operations plus the header whose ID the proposer waits on. Ranges and read-only
 * txns never enter the log (etcd serves them locally after a ReadIndex).
 */
export type V3Operation =
  | { put: PutRequest }
  | { deleteRange: DeleteRangeRequest }
  | { txn: TxnRequest }
  | { compaction: CompactionRequest }
  | { leaseGrant: LeaseGrantRequest }
  | { leaseRevoke: LeaseRevokeRequest }
  | { leaseCheckpoint: { checkpoints: { id: bigint; remainingTtl: number }[] } }
  | { alarm: AlarmRequest }
  | AuthOperation;

export interface V3Request {
  /** Unique per request: the proposer waits on it, and a retry with it is not applied twice. */
  id: string;
  op: V3Operation;
  /** Who proposed it (etcd's `RequestHeader` user and auth revision); absent: anonymous. */
  auth?: RequestAuth;
}

/**
 * Entries of the v3 applier start with this character; v2 requests are JSON objects (`{`). One
 * character is all the dispatcher reads to pick the applier.
 */
export const V3_ENTRY_MARK = '3';

/**
 * JSON with the proto3 zero values left out (so a put of `foo=bar` stays about 40 bytes) and
 * bigints (lease IDs) as `{"$n":"..."}`: a byte string is never an object, so nothing else can
 * be mistaken for one. `decodeV3Request` puts the zero values back.
 */
export function encodeV3Request(request: V3Request): string {
  return V3_ENTRY_MARK + stringifyWithBigInts(request, (v) => v === false || v === 0 || v === '' || v === 0n);
}

export function isV3Entry(data: string): boolean {
  return data.charCodeAt(0) === V3_ENTRY_MARK.charCodeAt(0);
}

export function decodeV3Request(data: string): V3Request {
  const raw = parseWithBigInts<{ id?: string; op: Record<string, Record<string, unknown>>; auth?: Partial<RequestAuth> }>(data.slice(1));
  const request: V3Request = { id: raw.id ?? '', op: withDefaults(raw.op) };
  if (raw.auth !== undefined) request.auth = { username: '', revision: 0, ...raw.auth };
  return request;
}

type Loose = Record<string, unknown>;

function withDefaults(op: Record<string, Loose>): V3Operation {
  if (op.put !== undefined) return { put: put(op.put) };
  if (op.deleteRange !== undefined) return { deleteRange: deleteRange(op.deleteRange) };
  if (op.txn !== undefined) return { txn: txn(op.txn) };
  if (op.compaction !== undefined) return { compaction: { revision: 0, physical: false, ...op.compaction } };
  if (op.leaseGrant !== undefined) return { leaseGrant: { ttl: 0, id: 0n, ...op.leaseGrant } };
  if (op.leaseRevoke !== undefined) return { leaseRevoke: { id: 0n, ...op.leaseRevoke } };
  if (op.leaseCheckpoint !== undefined) {
    const checkpoints = ((op.leaseCheckpoint.checkpoints ?? []) as Loose[]).map((c) => ({ id: 0n, remainingTtl: 0, ...c }));
    return { leaseCheckpoint: { checkpoints } };
  }
  if (op.alarm !== undefined) return { alarm: { action: 'GET', memberId: '', alarm: 'NONE', ...op.alarm } };
  if (isAuthOperationKey(op)) return authOperationWithDefaults(op);
  throw new Error(`unknown v3 log entry: ${Object.keys(op).join(',')}`);
}

const put = (p: Loose): PutRequest => putRequest(p);
const deleteRange = (d: Loose): DeleteRangeRequest => deleteRangeRequest(d);
const range = (r: Loose): RangeRequest => rangeRequest(r);

function compare(c: Loose): Compare {
  // `result` and `target` are enums whose zero values (EQUAL, VERSION) were left out.
  return { result: 'EQUAL', target: 'VERSION', key: '', rangeEnd: '', ...c };
}

function requestOp(op: Record<string, Loose>): RequestOp {
  if (op.requestRange !== undefined) return { requestRange: range(op.requestRange) };
  if (op.requestPut !== undefined) return { requestPut: put(op.requestPut) };
  if (op.requestDeleteRange !== undefined) return { requestDeleteRange: deleteRange(op.requestDeleteRange) };
  return { requestTxn: txn(op.requestTxn ?? {}) };
}

function txn(t: Loose): TxnRequest {
  const list = (name: string): Loose[] => (t[name] ?? []) as Loose[];
  return {
    compare: list('compare').map(compare),
    success: list('success').map((op) => requestOp(op as Record<string, Loose>)),
    failure: list('failure').map((op) => requestOp(op as Record<string, Loose>)),
  };
}
