import { badRequest, canonicalRedirect, decodePath, requestTarget } from './serve-mux.ts';

/**
 * etcd 3.4's `accessController` (embed/serve.go), the layer in front of every client route: it
 * adds CORS headers to every response (etcd's default `--cors` is `*`, which lists the same three
 * headers whatever the request's Origin), answers OPTIONS itself with an empty 200 on any path,
 * and only then hands the request to the ServeMux, which redirects non-canonical paths. A request
 * line Go cannot parse is refused by the server before any of this (400, no CORS headers).
 */

export const CORS_HEADERS: readonly (readonly [string, string])[] = [
  ['Access-Control-Allow-Methods', 'POST, GET, OPTIONS, PUT, DELETE'],
  ['Access-Control-Allow-Origin', '*'],
  ['Access-Control-Allow-Headers', 'accept, content-type, authorization'],
];

/** `response` with etcd's CORS headers (a streamed body keeps streaming). */
export function withCors(response: Response, hidden: readonly string[] = []): Response {
  const headers = new Headers(response.headers);
  for (const name of hidden) headers.delete(name);
  for (const [name, value] of CORS_HEADERS) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Serves one client request as etcd's HTTP stack does around its handlers; `route` is the mux
 * (the front door's routes, or a member's client handler) and sees canonical paths only.
 * `hidden` headers (internal ones a route's answer may carry) are dropped in the same copy that
 * adds the CORS headers.
 */
export async function serveClientHTTP(
  request: Request,
  route: (request: Request) => Promise<Response>,
  hidden: readonly string[] = [],
): Promise<Response> {
  const url = requestTarget(request.url);
  const path = decodePath(url.pathname);
  if (path === undefined) return badRequest();
  if (request.method === 'OPTIONS') return served(new Response(null, { status: 200 }));
  const redirect = canonicalRedirect(request.method, path, url.search);
  if (redirect !== undefined) return served(redirect);
  return served(await route(request), hidden);
}

/** What Go's server adds to every response a handler writes: the CORS headers above and `Date`. */
function served(response: Response, hidden: readonly string[] = []): Response {
  const out = withCors(response, hidden);
  // Go's `http.TimeFormat` (RFC 1123 in GMT) is what `toUTCString` prints.
  out.headers.set('Date', new Date().toUTCString());
  return out;
}
