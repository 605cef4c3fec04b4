import { describe, expect, it } from 'vitest';
import { ERROR_MESSAGES, ERROR_STATUS, ErrorCode, EtcdError } from '../../src/store/index.ts';

describe('EtcdError', () => {
  it('serialises to exactly etcd\'s body, in its field order', () => {
    const e = new EtcdError(ErrorCode.KeyNotFound, '/foo', 5);
    expect(JSON.stringify(e)).toBe('{"errorCode":100,"message":"Key not found","cause":"/foo","index":5}');
  });

  it('omits an empty cause, as Go\'s omitempty does', () => {
    expect(JSON.stringify(new EtcdError(ErrorCode.RaftInternal, '', 0))).toBe(
      '{"errorCode":300,"message":"Raft Internal Error","index":0}',
    );
  });

  it('maps codes to etcd\'s HTTP statuses, 400 by default', () => {
    expect(new EtcdError(100).status).toBe(404);
    expect(new EtcdError(101).status).toBe(412);
    expect(new EtcdError(102).status).toBe(403);
    expect(new EtcdError(104).status).toBe(400);
    expect(new EtcdError(105).status).toBe(412);
    expect(new EtcdError(107).status).toBe(400);
    expect(new EtcdError(108).status).toBe(403);
    expect(new EtcdError(110).status).toBe(401);
    expect(new EtcdError(209).status).toBe(400);
    expect(new EtcdError(300).status).toBe(500);
    expect(new EtcdError(301).status).toBe(500);
    expect(new EtcdError(401).status).toBe(400);
    expect(ERROR_STATUS.size).toBe(8);
  });

  it('has etcd\'s message for every code of v2error', () => {
    const codes = [...ERROR_MESSAGES.keys()];
    expect(codes).toEqual([
      100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
      200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212,
      300, 301, 400, 401, 402, 403, 404, 500,
    ]);
    expect(ERROR_MESSAGES.get(401)).toBe('The event in requested index is outdated and cleared');
    expect(ERROR_MESSAGES.get(212)).toBe('A TTL must be provided on refresh');
    expect(new EtcdError(ErrorCode.NodeExist).message).toBe('Key already exists');
  });

  it('is an Error that can be re-caused for prefix trimming', () => {
    const e = new EtcdError(ErrorCode.NotFile, '/1/dir', 3);
    expect(e).toBeInstanceOf(Error);
    expect(e.withCause('/dir').toJSON()).toEqual({ errorCode: 102, message: 'Not a file', cause: '/dir', index: 3 });
  });
});
