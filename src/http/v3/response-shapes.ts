import type { ResponseHeader, ResponseOp, TxnResponse } from '../../server/index.ts';

/**
 * Which header fields etcd 3.4 fills, response by response, as its gateway shows them: v3rpc's
 * `header.fill` writes all four on the top-level response of KV, lease, maintenance and auth
 * calls; the cluster server's own `header()` has no revision; Alarm and Defragment answer with
 * no header at all; and inside a txn only the applier's revision is set (nothing at all in a
 * nested txn's header). The gateway writes exactly those, whatever else the member supplies.
 */

const ZERO: ResponseHeader = { clusterId: '0', memberId: '0', revision: 0, raftTerm: 0 };

/** MemberAdd/Remove/Update/List/Promote (v3rpc ClusterServer.header): no revision. */
export function clusterHeader(header: ResponseHeader): ResponseHeader {
  return { ...header, revision: 0 };
}

/** Alarm, Defragment: no header. */
export function withoutHeader<T extends { header?: ResponseHeader }>(response: T): Omit<T, 'header'> {
  const { header: _, ...rest } = response;
  return rest;
}

/** A txn's response with its nested responses' headers as etcd's applier leaves them. */
export function txnShape(response: TxnResponse): TxnResponse {
  return { ...response, responses: response.responses.map(nestedOp) };
}

function nestedOp(op: ResponseOp): ResponseOp {
  const onlyRevision = (header: ResponseHeader): ResponseHeader => ({ ...ZERO, revision: header.revision });
  if ('responseRange' in op) return { responseRange: { ...op.responseRange, header: onlyRevision(op.responseRange.header) } };
  if ('responsePut' in op) return { responsePut: { ...op.responsePut, header: onlyRevision(op.responsePut.header) } };
  if ('responseDeleteRange' in op) return { responseDeleteRange: { ...op.responseDeleteRange, header: onlyRevision(op.responseDeleteRange.header) } };
  const nested = op.responseTxn;
  return { responseTxn: { ...nested, header: ZERO, responses: nested.responses.map(nestedOp) } };
}
