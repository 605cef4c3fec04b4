import type { EtcdServer } from '../server/index.ts';
import { parseForm } from './form.ts';
import { parseKeyRequest } from './key-request.ts';
import { handleHealth } from './health.ts';
import { handleMembers } from './members-handler.ts';
import { methodNotAllowed, notFound, renderEvent, renderKeyError } from './render.ts';
import { badRequest, decodePath, requestTarget } from './serve-mux.ts';
import { handleStats, STATS_PATHS } from './stats.ts';
import { detectAuth } from './v2-auth.ts';
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
  // The worker's `serveClientHTTP` already refused bad escapes and redirected non-canonical paths
  // (Go's server and ServeMux), so `/v2/keys/a%2F..%2F..` never gets here.
  const target = requestTarget(request.url);
  const path = decodePath(target.pathname);
  if (path === undefined) return badRequest();

  if (path === '/v2/keys' || path.startsWith('/v2/keys/')) return handleKeys(request, target.search, path, context);
  if (path === '/v2/members' || path.startsWith('/v2/members/')) {
    return handleMembers(request, path, context.server, context.clusterId, context.now());
  }
  if ((STATS_PATHS as readonly string[]).includes(path)) return handleStats(request, path, context.server);
  switch (path) {
    case '/v2/machines':
      if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET', 'HEAD']);
      // etcd's `ClientURLs()` sorts the URLs (sort.Strings: byte order).
      return new Response(context.server.cluster.clientURLs().sort(byteOrder).join(', '), {
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
    case '/version':
      if (request.method !== 'GET') return methodNotAllowed(['GET']);
      return new Response(JSON.stringify(VERSION), { headers: { 'Content-Type': 'application/json' } });
    case '/health':
      return handleHealth(request, context.server);
    default:
      return notFound();
  }
}

async function handleKeys(request: Request, search: string, path: string, context: ClientContext): Promise<Response> {
  const allowed = ['HEAD', 'GET', 'PUT', 'POST', 'DELETE'];
  if (!allowed.includes(request.method)) return methodNotAllowed(allowed);
  const headers = new Headers({ 'X-Etcd-Cluster-Id': context.clusterId });
  try {
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : utf8.decode(await request.arrayBuffer());
    const form = parseForm(request.method, search.slice(1), request.headers.get('Content-Type'), body);
    const { request: v2, noValueOnSuccess } = parseKeyRequest(request.method, path, form, context.now());
    detectAuth(context.server);
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

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
