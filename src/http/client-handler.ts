import type { EtcdServer } from '../server/index.ts';
import { normalizeKey } from '../store/index.ts';
import { parseForm } from './form.ts';
import { parseKeyRequest } from './key-request.ts';
import { handleMembers } from './members-handler.ts';
import { methodNotAllowed, notFound, renderEvent, renderKeyError } from './render.ts';
import { renderWatch } from './watch.ts';

const utf8 = new TextDecoder();

/**
 * Internal: the front door names each client request, and names a retry of it the same, so a
 * write that did commit before its member failed is answered, not applied again.
 */
export const REQUEST_ID_HEADER = 'X-Edgecd-Request-Id';

/** What etcd 3.4 answers on `/version`; clients gate features on these strings. */
export const VERSION = { etcdserver: '3.4.23', etcdcluster: '3.4.0' } as const;

export interface ClientContext {
  server: EtcdServer;
  clusterId: string;
  /** Wall time in epoch ms: a TTL's expiry is fixed by the member that receives the request. */
  now(): number;
}

/**
 * An etcd member's client API (v2http `NewClientHandler` + etcdhttp `HandleBasic`), over
 * Web-standard Request/Response. Routes as etcd's `http.ServeMux` registers them.
 */
export async function handleClientRequest(request: Request, context: ClientContext): Promise<Response> {
  const url = new URL(request.url);
  // Go's ServeMux cleans the decoded path and redirects to the clean form: `/v2/keys/a%2F..%2F..`
  // must not reach the keys handler (it would name a key outside `/1`).
  const path = decodePath(url.pathname);
  const canonical = cleanPath(path);
  if (canonical !== path) return redirect(`${encodeURI(canonical)}${url.search}`);

  if (path === '/v2/keys' || path.startsWith('/v2/keys/')) return handleKeys(request, url, path, context);
  if (path === '/v2/members' || path.startsWith('/v2/members/')) {
    return handleMembers(request, path, context.server, context.clusterId, context.now());
  }
  switch (path) {
    case '/v2/machines':
      if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET', 'HEAD']);
      return new Response(context.server.cluster.clientURLs().join(', '), {
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
    case '/version':
      if (request.method !== 'GET') return methodNotAllowed(['GET']);
      return new Response(JSON.stringify(VERSION), { headers: { 'Content-Type': 'application/json' } });
    case '/health':
      return new Response(JSON.stringify({ health: context.server.leader === '' ? 'false' : 'true' }), {
        status: context.server.leader === '' ? 503 : 200,
        headers: { 'Content-Type': 'application/json' },
      });
    default:
      return notFound();
  }
}

async function handleKeys(request: Request, url: URL, path: string, context: ClientContext): Promise<Response> {
  const allowed = ['HEAD', 'GET', 'PUT', 'POST', 'DELETE'];
  if (!allowed.includes(request.method)) return methodNotAllowed(allowed);
  const headers = new Headers({ 'X-Etcd-Cluster-Id': context.clusterId });
  try {
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : utf8.decode(await request.arrayBuffer());
    const form = parseForm(request.method, url.search.slice(1), request.headers.get('Content-Type'), body);
    const { request: v2, noValueOnSuccess } = parseKeyRequest(request.method, path, form, context.now());
    v2.id = request.headers.get(REQUEST_ID_HEADER) ?? '';
    const response = await context.server.do(v2);
    if (response.watcher !== undefined) return renderWatch(response.watcher, response, headers, v2.stream, request.signal);
    if (response.event === undefined) return renderKeyError(new Error('received response with no Event/Watcher'), headers);
    const rendered = renderEvent(response.event, response, headers, noValueOnSuccess);
    return request.method === 'HEAD' ? new Response(null, { status: rendered.status, headers: rendered.headers }) : rendered;
  } catch (error) {
    return renderKeyError(error, headers);
  }
}

/** Go's ServeMux `cleanPath`: `path.Clean`, keeping a trailing slash. */
export function cleanPath(p: string): string {
  const cleaned = normalizeKey(p);
  return p.endsWith('/') && cleaned !== '/' ? `${cleaned}/` : cleaned;
}

/** Go's `http.Redirect` with 301, as ServeMux answers a non-canonical path. */
function redirect(location: string): Response {
  return new Response(`<a href="${location}">Moved Permanently</a>.\n\n`, {
    status: 301,
    headers: { Location: location, 'Content-Type': 'text/html; charset=utf-8' },
  });
}

/** The key path as Go's `URL.Path` holds it: percent-escapes decoded. */
function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}
