import { describe, expect, it } from 'vitest';
import { parseForm } from '../../../src/http/v2/form.ts';
import { MAX_VALUE_BYTES, parseKeyRequest } from '../../../src/http/v2/key-request.ts';
import { EtcdError } from '../../../src/store/index.ts';

const NOW = Date.UTC(2026, 10, 24);
const parse = (method: string, path: string, query: string, body: string | null = null) =>
  parseKeyRequest(method, path, parseForm(method, query, 'application/x-www-form-urlencoded', body), NOW);
const errorOf = (f: () => unknown): EtcdError => {
  try {
    f();
  } catch (e) {
    return e as EtcdError;
  }
  throw new Error('no error');
};

describe('parsing a keys request as etcd does', () => {
  it('puts user keys under /1 and cleans the path', () => {
    expect(parse('GET', '/v2/keys/a//b/', '').request.path).toBe('/1/a/b');
  });

  it('takes the form body before the query string, first value wins', () => {
    expect(parse('PUT', '/v2/keys/k', 'value=q', 'value=b&value=c').request.val).toBe('b');
  });

  it('fixes a TTL as an absolute expiry at the receiving member', () => {
    expect(parse('PUT', '/v2/keys/k', '', 'value=v&ttl=5').request.expiration).toBe(NOW + 5000);
    expect(parse('PUT', '/v2/keys/k', '', 'value=v&ttl=').request.expiration).toBe(0);
  });

  it("computes a huge TTL's expiry in Go's wrapping int64 arithmetic, as real etcd 3.4 answered", () => {
    const expiry = (ttl: string): number => parse('PUT', '/v2/keys/k', '', `value=v&ttl=${ttl}`).request.expiration;
    // 2^63 seconds: the duration wraps to 0 ns, so the key expires now (etcd shows no ttl).
    expect(expiry('9223372036854775808')).toBe(NOW);
    // 2^63-1 and 2^64-1 seconds: -1 s, etcd shows "ttl":-1.
    expect(expiry('9223372036854775807')).toBe(NOW - 1000);
    expect(expiry('18446744073709551615')).toBe(NOW - 1000);
    // 92233720368 s × 1e9 wraps to -547758080 ns.
    expect(expiry('92233720368')).toBeCloseTo(NOW - 547.75808, 3);
    // Past 2262: UnixNano wraps negative, which the store takes as no TTL (etcd shows none).
    expect(expiry('9223372036')).toBeLessThan(0);
    // 4e9 s is still in range (etcd: 2153).
    expect(new Date(expiry('4000000000')).getUTCFullYear()).toBe(new Date(NOW + 4e12).getUTCFullYear());
    expect(errorOf(() => parse('PUT', '/v2/keys/k', '', 'value=v&ttl=18446744073709551616')).errorCode).toBe(202);
  });

  it('turns GET with quorum=true into a QGET', () => {
    expect(parse('GET', '/v2/keys/k', 'quorum=true').request.method).toBe('QGET');
  });

  it('refuses a value over the size cap with 209 and says the cap, before anything is proposed', () => {
    const e = errorOf(() => parse('PUT', '/v2/keys/k', '', `value=${'x'.repeat(MAX_VALUE_BYTES + 1)}`));
    expect(e.errorCode).toBe(209);
    expect(e.status).toBe(400);
    expect(e.cause).toContain(String(MAX_VALUE_BYTES));
  });

  it('counts the cap in UTF-8 bytes', () => {
    const e = errorOf(() => parse('PUT', '/v2/keys/k', '', `value=${encodeURIComponent('é'.repeat(MAX_VALUE_BYTES / 2 + 1))}`));
    expect(e.errorCode).toBe(209);
  });

  it("reports a bad escape as 210 Invalid POST form with Go's message", () => {
    const e = errorOf(() => parse('PUT', '/v2/keys/k', '', 'value=%zz'));
    expect(e.toJSON()).toEqual({ errorCode: 210, message: 'Invalid POST form', cause: 'invalid URL escape "%zz"', index: 0 });
  });
});
