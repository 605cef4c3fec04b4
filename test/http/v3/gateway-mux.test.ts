import { describe, expect, it } from 'vitest';
import { handleV3, isV3Path } from '../../../src/http/v3/index.ts';

/**
 * The gateway's HTTP surface before any call reaches a member (etcd 3.4's embed/serve.go and
 * grpc-gateway 1.x's ServeMux): paths, methods, the /v3beta rewrite, headers grpc-gateway checks,
 * decoding. With no v3 server behind it a call answers as grpc-go does for a missing service.
 * The e2e tests compare the same answers with real etcd.
 */

const serve = (method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Response> =>
  handleV3(new Request(`http://127.0.0.1:2379${path}`, { method, headers, ...(body === undefined ? {} : { body }) }), decodeURIComponent(path.split('?')[0]!), undefined, { now: () => 0 });

async function text(response: Response): Promise<[number, string, string | null]> {
  return [response.status, await response.text(), response.headers.get('Content-Type')];
}

describe('the v3 gateway mux', () => {
  it('serves /v3, /v3/... and /v3beta/..., not /v3beta or /v3alpha', () => {
    expect(['/v3', '/v3/', '/v3/kv/range', '/v3beta/kv/range'].every(isV3Path)).toBe(true);
    expect(['/v3beta', '/v3alpha/kv/range', '/v30', '/v2/keys'].some(isV3Path)).toBe(false);
  });

  it('answers an unknown path 404 and a known one with another method 405, as http.Error writes them', async () => {
    expect(await text(await serve('POST', '/v3/kv/nothing', '{}'))).toEqual([404, 'Not Found\n', 'text/plain; charset=utf-8']);
    expect(await text(await serve('POST', '/v3/kv/range/', '{}'))).toEqual([404, 'Not Found\n', 'text/plain; charset=utf-8']);
    expect(await text(await serve('GET', '/v3/kv/range'))).toEqual([405, 'Method Not Allowed\n', 'text/plain; charset=utf-8']);
    expect((await serve('PUT', '/v3/watch', '{}')).status).toBe(405);
  });

  it('never matches a route with a :verb, even a known method on a known path', async () => {
    expect((await serve('POST', '/v3/kv/range:get', '{}')).status).toBe(404);
    expect((await serve('GET', '/v3/kv/range:get')).status).toBe(404);
  });

  it('redirects /v3 to /v3/ with its raw query, as ServeMux does for a subtree', async () => {
    // (Node's Request escapes a query's `<`; workerd keeps it, and the e2e test checks that on etcd.)
    const response = await serve('GET', '/v3?a=1&b=%3C');
    expect(response.status).toBe(301);
    expect(response.headers.get('Location')).toBe('/v3/?a=1&b=%3C');
    expect(await response.text()).toBe('<a href="/v3/?a=1&amp;b=%3C">Moved Permanently</a>.\n\n');
    expect(await (await serve('POST', '/v3')).text()).toBe('');
  });

  it('rewrites /v3beta/ to /v3/ before routing', async () => {
    expect((await serve('POST', '/v3beta/kv/range', 'garbage')).status).toBe(400);
    expect((await serve('POST', '/v3beta/nothing', '{}')).status).toBe(404);
  });

  it('refuses a body it cannot decode with InvalidArgument, and a stream first message with Unknown', async () => {
    expect(await text(await serve('POST', '/v3/kv/range', '{"key":1}'))).toEqual([
      400,
      '{"error":"json: cannot unmarshal number into Go value of type []uint8","message":"json: cannot unmarshal number into Go value of type []uint8","code":3}',
      'application/json',
    ]);
    expect(await text(await serve('POST', '/v3/watch', 'garbage'))).toEqual([
      500,
      `{"error":"invalid character 'g' looking for beginning of value","message":"invalid character 'g' looking for beginning of value","code":2}`,
      'application/json',
    ]);
  });

  it('answers a call with no v3 server behind the gateway as a service grpc-go does not have', async () => {
    const response = await serve('POST', '/v3/lock/lock', '{"name":"YQ=="}');
    expect(await text(response)).toEqual([501, '{"error":"unknown service v3lockpb.Lock","message":"unknown service v3lockpb.Lock","code":12}', 'application/json']);
    expect(response.headers.get('Trailer')).toBe('Grpc-Trailer-Content-Type');
  });

  it('checks Grpc-Timeout and binary metadata headers before the body', async () => {
    expect(await (await serve('POST', '/v3/kv/range', 'garbage', { 'Grpc-Timeout': '5' })).text()).toBe('{"error":"invalid grpc-timeout: 5","message":"invalid grpc-timeout: 5","code":3}');
    expect(await (await serve('POST', '/v3/kv/range', 'garbage', { 'Grpc-Timeout': '5x' })).text()).toContain('invalid grpc-timeout: 5x');
    expect(await (await serve('POST', '/v3/kv/range', '{}', { 'grpc-metadata-trace-bin': 'a=' })).text()).toContain(
      'invalid binary header Grpc-Metadata-Trace-Bin: illegal base64 data at input byte 1',
    );
    expect((await serve('POST', '/v3/kv/range', 'garbage', { 'Grpc-Timeout': '10S', 'Grpc-Metadata-Trace-Bin': 'YWI' })).status).toBe(400);
  });

  it('lets X-HTTP-Method-Override change the method of a form POST, the form eating the body', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    expect((await serve('POST', '/v3/kv/range', '{}', { ...form, 'X-HTTP-Method-Override': 'get' })).status).toBe(405);
    // POST again: the body went to ParseForm, so the request is the empty message (which decodes).
    expect((await serve('POST', '/v3/kv/range', 'garbage', { ...form, 'X-HTTP-Method-Override': 'POST' })).status).toBe(501);
    expect(await text(await serve('POST', '/v3/kv/range', 'a=%zz', { ...form, 'X-HTTP-Method-Override': 'POST' }))).toEqual([400, 'invalid URL escape "%zz"\n', 'text/plain; charset=utf-8']);
    // Without the override a form body is just a body that is not JSON.
    expect((await serve('POST', '/v3/kv/range', 'garbage', form)).status).toBe(400);
  });

  it("refuses a WebSocket handshake gorilla's Upgrader would refuse", async () => {
    const upgrade = { Connection: 'Upgrade', Upgrade: 'websocket' };
    expect(await text(await serve('GET', '/v3/watch', undefined, upgrade))).toEqual([400, 'Bad Request\n', 'text/plain; charset=utf-8']);
    const post = await serve('POST', '/v3/watch', '{}', { ...upgrade, 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'a2V5' });
    expect(post.status).toBe(405);
    expect(post.headers.get('Sec-Websocket-Version')).toBe('13');
  });
});
