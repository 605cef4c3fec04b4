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

/**
 * Sets what Go's server adds to every response a handler writes: the CORS headers above and
 * `Date` (Go's `http.TimeFormat`, RFC 1123 in GMT, is what `toUTCString` prints).
 */
export function setServedHeaders(headers: Headers): void {
  for (const [name, value] of CORS_HEADERS) headers.set(name, value);
  headers.set('Date', httpDate());
}

/**
 * The Date header's text, formatted once per second (the header has one-second resolution; a
 * busy member answers thousands of requests in that second).
 */
let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/**
 * Serves one client request as etcd's HTTP stack does around its handlers; `route` is the mux
 * (the front door's routes, or a member's client handler) and sees canonical paths only.
 */
export async function serveClientHTTP(request: Request, route: (request: Request) => Promise<Response>): Promise<Response> {
  const url = requestTarget(request.url);
  const path = decodePath(url.pathname);
  if (path === undefined) return badRequest();
  if (request.method === 'OPTIONS') return served(new Response(null, { status: 200 }));
  const redirect = canonicalRedirect(request.method, path, url.search);
  if (redirect !== undefined) return served(redirect);
  return served(await route(request));
}

/**
 * `response` as a client gets it. A member's answer already carries the served headers (the
 * member sets them on the response it builds) and passes through as it is: a response from a
 * stub has immutable headers, and copying it costs a Headers and a Response on every request.
 * Anything else (the front door's own answers) is copied once with them added (a streamed body
 * keeps streaming).
 */
function served(response: Response): Response {
  if (response.headers.has('Access-Control-Allow-Origin')) return response;
  const headers = new Headers(response.headers);
  setServedHeaders(headers);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
