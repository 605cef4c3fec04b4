import { requestTarget } from '../http/index.ts';

/**
 * What of a client request reaches a member, which must route it exactly as the front door
 * matched it. The leader router builds its forwarded request from these (one copy per attempt);
 * `memberBound` is the whole request, for a member served directly.
 *
 * - A path with `\` is rebuilt from a fixed origin and the raw path the front door routed, `\`
 *   escaped: `new Request(url)` (WHATWG URL parsing, http being a special scheme) turns `\` into
 *   `/` and then resolves `..`, so `/v2/keys/..\..\raft` (a key to etcd, which treats `\` as an
 *   ordinary byte) would otherwise reach the member as `/raft`. Dot segments, encoded or not,
 *   never get here: serveClientHTTP redirected them as Go's ServeMux does.
 * - Every `X-Edgecd-*` header is edgecd's own (member name, front-door mark, request id, metrics
 *   gathering): a client's are dropped, so only the front door and members ever set them.
 */
export function memberBoundURL(url: string): string {
  const { pathname, search } = requestTarget(url);
  // Only a path with `\` is rebuilt: parsing a URL again also percent-encodes what Go leaves raw
  // in a query (`<`, `"`), and a redirect's Location must carry the query as the client sent it.
  return pathname.includes('\\') ? `http://front-door${pathname.replaceAll('\\', '%5C')}${search}` : url;
}

/** A copy of the client's headers without edgecd's own. */
export function clientHeaders(headers: Headers): Headers {
  const copy = new Headers(headers);
  for (const name of [...copy.keys()]) {
    if (name.startsWith('x-edgecd-')) copy.delete(name);
  }
  return copy;
}

export function memberBound(request: Request): Request {
  const url = memberBoundURL(request.url);
  // The signal goes along: a watch whose client went away must end on the member too. A request
  // made from the client's (not from its URL string) keeps the URL unparsed: a query's `<` stays
  // raw, as Go leaves it and a redirect's Location must show it.
  const init = { headers: clientHeaders(request.headers), signal: request.signal, redirect: 'manual' as const };
  return url === request.url ? new Request(request, init) : new Request(url, { ...init, method: request.method, body: request.body });
}
