import { requestTarget } from '../http/index.ts';

/**
 * A client request as the front door hands it to a member, which must route it exactly as the
 * front door matched it.
 *
 * - A path with `\` is rebuilt from a fixed origin and the raw path the front door routed, `\`
 *   escaped: `new Request(url)` (WHATWG URL parsing, http being a special scheme) turns `\` into
 *   `/` and then resolves `..`, so `/v2/keys/..\..\raft` (a key to etcd, which treats `\` as an
 *   ordinary byte) would otherwise reach the member as `/raft`. Dot segments, encoded or not,
 *   never get here: serveClientHTTP redirected them as Go's ServeMux does.
 * - Every `X-Edgecd-*` header is edgecd's own (member name, front-door mark, request id, metrics
 *   gathering): a client's are dropped, so only the front door and members ever set them.
 */
export function memberBound(request: Request): Request {
  const { pathname, search } = requestTarget(request.url);
  // Only a path with `\` is rebuilt: parsing a URL again also percent-encodes what Go leaves raw
  // in a query (`<`, `"`), and a redirect's Location must carry the query as the client sent it.
  const url = pathname.includes('\\') ? `http://front-door${pathname.replaceAll('\\', '%5C')}${search}` : request.url;
  // The signal goes along: a watch whose client went away must end on the member too.
  const forwarded = new Request(request, { headers: request.headers, signal: request.signal, redirect: 'manual' });
  const target = url === request.url ? forwarded : new Request(url, forwarded);
  for (const name of [...target.headers.keys()]) {
    if (name.toLowerCase().startsWith('x-edgecd-')) target.headers.delete(name);
  }
  return target;
}
