import { describe, expect, it } from 'vitest';
import type { RequestOp, TxnRequest } from '../../../src/server/index.ts';
import { checkTxn, MAX_TXN_OPS } from '../../../src/server/v3/checks.ts';

const put = (key: string): RequestOp => ({ requestPut: { key, value: 'v', lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } });
const del = (key: string, rangeEnd = ''): RequestOp => ({ requestDeleteRange: { key, rangeEnd, prevKv: false } });
const txn = (success: RequestOp[], failure: RequestOp[] = []): RequestOp => ({ requestTxn: { compare: [], success, failure } });
const check = (success: RequestOp[]): string | undefined => checkTxn({ compare: [], success, failure: [] })?.message;

const DUPLICATE = 'etcdserver: duplicate key given in txn request';

// etcd's integration test TestV3TxnDuplicateKeys (integration/v3_grpc_test.go), case by case.
describe('the txn duplicate-key rule', () => {
  const putAbc = put('abc');
  const delAbc = del('abc');
  const delInRange = del('a', 'b');
  const delOutOfRange = del('abb', 'abc');

  it('refuses a key put twice', () => expect(check([putAbc, putAbc])).toBe(DUPLICATE));
  it('refuses a key put and deleted', () => expect(check([putAbc, delAbc])).toBe(DUPLICATE));
  it('refuses a key put inside a deleted range', () => expect(check([putAbc, delInRange])).toBe(DUPLICATE));
  it('refuses a put overlapping a nested delete', () => expect(check([putAbc, txn([delInRange])])).toBe(DUPLICATE));
  it('refuses a nested put overlapping a delete', () => expect(check([delInRange, txn([putAbc])])).toBe(DUPLICATE));
  it('refuses the same key put by two nested txns', () => expect(check([txn([putAbc], [putAbc]), txn([putAbc], [putAbc])])).toBe(DUPLICATE));
  it('allows one key put in both arms of one nested txn', () => expect(check([delOutOfRange, txn([putAbc], [putAbc])])).toBeUndefined());
  it('allows deletes that overlap each other', () => expect(check([txn([delInRange]), txn([delInRange], [delInRange])])).toBeUndefined());
  it('allows the same delete repeated', () => expect(check([delAbc, delInRange, delAbc, delInRange])).toBeUndefined());
  it('allows a put just past a deleted range', () => expect(check([putAbc, delOutOfRange])).toBeUndefined());
  it('sees no overlap in an inverted range (end below key)', () => expect(check([put('k'), del('k', '\0')])).toBeUndefined());
});

describe('the txn size and key checks', () => {
  it(`refuses more than ${MAX_TXN_OPS} operations in a branch`, () => {
    const ops = Array.from({ length: MAX_TXN_OPS + 1 }, (_, i) => put(`k${i}`));
    expect(check(ops)).toBe('etcdserver: too many operations in txn request');
    expect(check(ops.slice(1))).toBeUndefined();
  });

  it('refuses a compare or request with an empty key', () => {
    const r: TxnRequest = { compare: [{ result: 'EQUAL', target: 'VERSION', key: '', rangeEnd: '' }], success: [], failure: [] };
    expect(checkTxn(r)?.message).toBe('etcdserver: key is not provided');
    expect(check([put('')])).toBe('etcdserver: key is not provided');
  });

  it('answers an empty request union with "key not found", as etcd does', () => {
    expect(check([{} as RequestOp])).toBe('etcdserver: key not found');
  });
});
