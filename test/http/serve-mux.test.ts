import { describe, expect, it } from 'vitest';
import { serveClientHTTP } from '../../src/http/access-controller.ts';
import { canonicalRedirect, decodePath, requestTarget } from '../../src/http/serve-mux.ts';

/** Expected values are what real etcd 3.4.23 (Go 1.19 net/http) answered to the same requests. */
describe("Go's request-line parsing and ServeMux redirects", () => {
  it('keeps the raw target, which the WHATWG parser would resolve', () => {
    expect(requestTarget('http://h:1/v2/keys/%2e%2e/foo?x=1')).toEqual({ pathname: '/v2/keys/%2e%2e/foo', search: '?x=1' });
    expect(requestTarget('http://h:1//v2/keys?')).toEqual({ pathname: '//v2/keys', search: '?' });
    expect(requestTarget("http://h/a?q='b'#frag")).toEqual({ pathname: '/a', search: "?q='b'" });
  });

  it('decodes escapes, refusing a bad one as Go does (400)', () => {
    expect(decodePath('/v2/keys/a%2F..%2Fb')).toBe('/v2/keys/a/../b');
    expect(decodePath('/v2/keys/%C3%A9')).toBe('/v2/keys/é');
    expect(decodePath('/v2/keys/%zz')).toBeUndefined();
    expect(decodePath('/v2/keys/%4')).toBeUndefined();
  });

  it('redirects to the clean path with the raw query, body for GET only', async () => {
    const get = canonicalRedirect('GET', '/v2/keys//foo', '?x=1&y=2')!;
    expect(get.status).toBe(301);
    expect(get.headers.get('Location')).toBe('/v2/keys/foo?x=1&y=2');
    expect(get.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(await get.text()).toBe('<a href="/v2/keys/foo?x=1&amp;y=2">Moved Permanently</a>.\n\n');
    const head = canonicalRedirect('HEAD', '//x', '')!;
    expect(head.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');
    const put = canonicalRedirect('PUT', '/v2/keys/./a', '')!;
    expect(put.headers.get('Content-Type')).toBeNull();
    expect(put.headers.get('Location')).toBe('/v2/keys/a');
    expect(canonicalRedirect('GET', '/v2/keys/a/', '')).toBeUndefined();
    expect(canonicalRedirect('GET', '/v2/keys/%2e%2e/foo'.replace('%2e%2e', '..'), '')!.headers.get('Location')).toBe('/v2/foo');
  });

  it('escapes the location as Go escapes a path', () => {
    expect(canonicalRedirect('GET', "/v2/keys//it's a?b é", '')!.headers.get('Location')).toBe('/v2/keys/it%27s%20a%3Fb%20%C3%A9');
  });
});

describe("etcd's access controller", () => {
  const route = async (): Promise<Response> => new Response('routed', { headers: { 'Content-Type': 'text/plain' } });
  const cors = {
    'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE',
    'access-control-allow-origin': '*',
    'access-control-allow-headers': 'accept, content-type, authorization',
  };

  it('adds the CORS headers to routed responses and redirects', async () => {
    const routed = await serveClientHTTP(new Request('http://h/v2/keys/a'), route);
    expect(Object.fromEntries(routed.headers)).toMatchObject(cors);
    expect(await routed.text()).toBe('routed');
    const moved = await serveClientHTTP(new Request('http://h//v2/keys/a'), route);
    expect(moved.status).toBe(301);
    expect(Object.fromEntries(moved.headers)).toMatchObject(cors);
  });

  it('answers OPTIONS on any path with an empty 200, without routing', async () => {
    const response = await serveClientHTTP(new Request('http://h//no/where', { method: 'OPTIONS' }), () => {
      throw new Error('routed');
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(Object.fromEntries(response.headers)).toMatchObject(cors);
  });

  it('refuses a bad escape in the path before anything else, without CORS headers', async () => {
    const response = await serveClientHTTP(new Request('http://h/v2/keys/%zz'), route);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('400 Bad Request');
    expect(response.headers.has('access-control-allow-origin')).toBe(false);
  });
});

describe("Go's server headers", () => {
  it('dates every answered response as Go does (RFC 1123, GMT)', async () => {
    const response = await serveClientHTTP(new Request('http://h/x'), async () => new Response('x'));
    expect(response.headers.get('Date')).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/);
    const refused = await serveClientHTTP(new Request('http://h/%zz'), async () => new Response('x'));
    expect(refused.headers.has('Date')).toBe(false);
  });
});
