import { describe, expect, it } from 'vitest';
import { requestToken } from '../../src/http/v3/call-context.ts';
import { forwardedHeaders } from '../../src/http/v3/index.ts';

/** How a v3 token travels to the member: the gateway's headers, and etcd's wsproxy's rewriting. */
describe('a v3 token on the wire', () => {
  it("is the token metadata first, then Authorization as it is (AuthInfoFromCtx's order)", () => {
    expect(requestToken(new Headers({ 'Grpc-Metadata-Token': 'meta.1', Authorization: 'auth.2' }))).toBe('meta.1');
    expect(requestToken(new Headers({ Authorization: 'auth.2' }))).toBe('auth.2');
    expect(requestToken(new Headers({ Authorization: 'Bearer auth.2' }))).toBe('Bearer auth.2');
    expect(requestToken(new Headers({ 'Grpc-Metadata-Token': '' }))).toBe('');
    expect(requestToken(new Headers())).toBeUndefined();
  });

  it("through etcd's wsproxy becomes `Bearer <token>` from a subprotocol or a token cookie (which etcd then refuses)", () => {
    expect(forwardedHeaders(new Headers({ 'Sec-WebSocket-Protocol': 'Bearer, tok.1' })).get('Authorization')).toBe('Bearer tok.1');
    expect(forwardedHeaders(new Headers({ 'Sec-WebSocket-Protocol': 'graphql' })).get('Authorization')).toBe('');
    const both = forwardedHeaders(new Headers({ 'Sec-WebSocket-Protocol': 'Bearer, tok.1', Cookie: 'a=b; token=cookie.2' }));
    expect(both.get('Authorization')).toBe('Bearer cookie.2');
    expect(forwardedHeaders(new Headers({ Authorization: 'tok.1', Origin: 'http://o' })).get('Authorization')).toBeNull();
  });

  it('passes Grpc-Metadata-Token on from the handshake (edgecd only): how the gRPC server watches as its user', () => {
    const headers = forwardedHeaders(new Headers({ 'Grpc-Metadata-Token': 'tok.7', Origin: 'http://o', 'X-Other': 'no' }));
    expect([...headers]).toEqual([
      ['grpc-metadata-token', 'tok.7'],
      ['origin', 'http://o'],
    ]);
    expect(requestToken(headers)).toBe('tok.7');
  });
});
