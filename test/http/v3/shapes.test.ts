import { describe, expect, it } from 'vitest';
import { leaseHex, prefixEnd } from '../../../src/http/v3/concurrency.ts';
import * as m from '../../../src/http/v3/etcd-messages.ts';
import { encodeMessage } from '../../../src/http/v3/jsonpb-encode.ts';
import { clusterHeader, txnShape, withoutHeader } from '../../../src/http/v3/response-shapes.ts';
import { emptyOpError, MAX_TXN_OPS } from '../../../src/http/v3/txn-check.ts';
import { Rpc, type RangeRequest, type RequestOp, type TxnRequest, type TxnResponse } from '../../../src/server/index.ts';

const header = { clusterId: '30025dbb1257513f', memberId: '9e4a1b8653725fbe', revision: 9, raftTerm: 2 };
const FULL = '{"cluster_id":"3459430521821942079","member_id":"11405959270008774590","revision":"9","raft_term":"2"}';

/** What a member may give (every header filled) and what etcd 3.4's gateway shows for it. */
describe('response headers as etcd 3.4 fills them', () => {
  it('writes a txn\'s nested headers with only the revision, and a nested txn\'s header empty', () => {
    const range = { header, kvs: [], more: false, count: 0 };
    const response: TxnResponse = {
      header,
      succeeded: true,
      responses: [
        { responsePut: { header } },
        { responseRange: range },
        { responseDeleteRange: { header, deleted: 0, prevKvs: [] } },
        { responseTxn: { header, succeeded: true, responses: [{ responseRange: range }] } },
      ],
    };
    expect(encodeMessage(m.TxnResponse, txnShape(response))).toBe(
      `{"header":${FULL},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"9"}}},{"response_range":{"header":{"revision":"9"}}},` +
        '{"response_delete_range":{"header":{"revision":"9"}}},{"response_txn":{"header":{},"succeeded":true,"responses":[{"response_range":{"header":{"revision":"9"}}}]}}]}',
    );
  });

  it('writes a cluster call\'s header without a revision, and Alarm and Defragment without a header', () => {
    expect(encodeMessage(m.MemberListResponse, { header: clusterHeader(header), members: [] })).toBe(
      '{"header":{"cluster_id":"3459430521821942079","member_id":"11405959270008774590","raft_term":"2"}}',
    );
    expect(encodeMessage(m.AlarmResponse, withoutHeader({ header, alarms: [{ memberId: '1', alarm: 'NOSPACE' }] }))).toBe('{"alarms":[{"memberID":"1","alarm":"NOSPACE"}]}');
    expect(encodeMessage(m.DefragmentResponse, withoutHeader({ header }))).toBe('{}');
  });
});

const range = (key: string): RequestOp => ({ requestRange: { key } as RangeRequest });
const txn = (parts: Partial<TxnRequest>): TxnRequest => ({ compare: [], success: [], failure: [], ...parts });

describe('a txn with an op that has no request (which rpc.ts cannot hold)', () => {
  it('is refused with "key not found" when that is the first check to fail', () => {
    expect(emptyOpError(txn({ success: [range('a'), {} as RequestOp] }))).toBe(Rpc.KeyNotFound);
    expect(emptyOpError(txn({ success: [{ requestTxn: txn({ failure: [{} as RequestOp] }) }] }))).toBe(Rpc.KeyNotFound);
  });

  it('is refused with the earlier failure when an earlier check fails, in etcd\'s order', () => {
    expect(emptyOpError(txn({ compare: [{ key: '' } as never], success: [{} as RequestOp] }))).toBe(Rpc.EmptyKey);
    expect(emptyOpError(txn({ success: [range(''), {} as RequestOp] }))).toBe(Rpc.EmptyKey);
    expect(emptyOpError(txn({ success: [{} as RequestOp, ...Array.from({ length: MAX_TXN_OPS }, () => range('a'))] }))).toBe(Rpc.TooManyOps);
  });

  it('leaves every other txn to the member', () => {
    expect(emptyOpError(txn({ success: [range('')] }))).toBeUndefined();
  });
});

describe('clientv3 helpers the lock and election services use', () => {
  it('ends a prefix range where clientv3 does', () => {
    expect(prefixEnd('lk/')).toBe('lk0');
    expect(prefixEnd('a\xff')).toBe('b');
    expect(prefixEnd('\xff\xff')).toBe('\0');
  });

  it('names a session key by the lease in lower-case hex, as %x prints an int64', () => {
    expect(leaseHex(6899130026684372496n)).toBe('5fbea234c3c0d610');
    expect(leaseHex(-26n)).toBe('-1a');
  });
});
