import { normalizeKey } from '../store/index.ts';
import { percentDecode } from './percent-decode.ts';

/**
 * What Go's `net/http` does to a request before any etcd handler sees it (Go 1.19, which etcd
 * 3.4.23 is built with): the server decodes the path (`url.ParseRequestURI`), and `ServeMux`
 * redirects a non-canonical path to its `path.Clean` form with 301.
 */


/**
 * The request target's raw path and query, from the request's URL string. `new URL()` would not
 * do: the WHATWG parser resolves `.`/`..` segments, `%2e%2e` included, which Go leaves for the
 * ServeMux to redirect. (workerd keeps the target as sent, except literal `..` segments, which it
 * resolves before the worker runs.)
 */
export function requestTarget(url: string): { pathname: string; search: string } {
  const afterScheme = url.indexOf('//');
  const start = url.indexOf('/', afterScheme === -1 ? 0 : afterScheme + 2);
  if (start === -1) return { pathname: '/', search: '' };
  const end = url.search(/[?#]/);
  const stop = end === -1 || end < start ? url.length : end;
  const hash = url.indexOf('#', stop);
  const search = url[stop] === '?' ? url.slice(stop, hash === -1 ? url.length : hash) : '';
  return { pathname: url.slice(start, stop), search };
}

/**
 * The path as Go's `URL.Path` holds it (percent-escapes decoded), or undefined when Go's server
 * refuses the request line (a `%` not followed by two hex digits).
 */
export function decodePath(pathname: string): string | undefined {
  const decoded = percentDecode(pathname, false);
  return typeof decoded === 'string' ? decoded : undefined;
}

/** Go's ServeMux `cleanPath`: `path.Clean`, keeping a trailing slash. */
export function cleanPath(p: string): string {
  const cleaned = normalizeKey(p);
  return p.endsWith('/') && cleaned !== '/' ? `${cleaned}/` : cleaned;
}

/** Go's server answer to a request line it cannot parse: no handler runs, so no CORS headers. */
export function badRequest(): Response {
  return new Response('400 Bad Request', {
    status: 400,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' },
  });
}

/**
 * ServeMux's redirect of a non-canonical path (`//a`, `/a/./b`, `/a/%2e%2e/b`, `/a%2F..%2Fb`) to
 * its clean form, or undefined when the path is canonical. A literal `..` segment never gets
 * here: the platform's URL parser resolves it before the worker runs (see routes-oracle).
 */
export function canonicalRedirect(method: string, path: string, search: string): Response | undefined {
  const canonical = cleanPath(path);
  if (canonical === path) return undefined;
  // `url.URL{Path, RawQuery}.String()`: the path escaped as Go escapes one, then the raw query.
  return goRedirect(method, `${escapePath(canonical)}${search === '?' ? '' : search}`);
}

/**
 * Go's `http.Redirect(w, r, url, 301)`: `Location`; a `text/html` note for GET (and its
 * Content-Type for HEAD); nothing for other methods.
 */
function goRedirect(method: string, location: string): Response {
  const headers = new Headers({ Location: location });
  if (method === 'GET' || method === 'HEAD') headers.set('Content-Type', 'text/html; charset=utf-8');
  const body = method === 'GET' ? `<a href="${htmlEscape(location)}">Moved Permanently</a>.\n\n` : null;
  return new Response(body, { status: 301, headers });
}

/** Go's `url.PathEscape`-like `escape(s, encodePath)`: all but unreserved and `$&+,/:;=@` escaped. */
function escapePath(path: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(path)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's `htmlEscape` in net/http. */
function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}
