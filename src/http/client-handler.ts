import type { PasswordHasher } from '../auth/index.ts';
import type { EtcdServer } from '../server/index.ts';
import { handleHealth } from './health.ts';
import { handleHealthCheck, isHealthCheckPath } from './health-checks.ts';
import { handleMetrics } from './metrics-handler.ts';
import { methodNotAllowed, notFound } from './responses.ts';
import { badRequest, decodePath, requestTarget } from './serve-mux.ts';
import { handleAuth, isAuthPath } from './v2/auth-handler.ts';
import { v2AuthOf } from './v2/auth-state.ts';
import { handleKeys } from './v2/keys-handler.ts';
import { handleMembers } from './v2/members-handler.ts';
import { handleStats, STATS_PATHS } from './v2/stats.ts';
import { isV3Path, serveV3 } from './v3/index.ts';

/** What etcd 3.4 answers on `/version`; clients gate features on these strings. */
export const VERSION = { etcdserver: '3.4.23', etcdcluster: '3.4.0' } as const;

export interface ClientContext {
  server: EtcdServer;
  clusterId: string;
  /** Wall time in epoch ms: a TTL's expiry is fixed by the member that receives the request. */
  now(): number;
  /** The member's password KDF (v2 auth hashes a new password before proposing it). */
  passwords: PasswordHasher;
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

  if (path === '/v2/keys' || path.startsWith('/v2/keys/')) {
    return handleKeys(request, target.search, path, context.server, v2AuthOf(context.server, context.passwords), context.clusterId, context.now());
  }
  if (path === '/v2/members' || path.startsWith('/v2/members/')) {
    return handleMembers(request, path, context.server, v2AuthOf(context.server, context.passwords), context.clusterId, context.now());
  }
  if (isAuthPath(path)) {
    return handleAuth(request, path, target.search, v2AuthOf(context.server, context.passwords), context.clusterId, context.now());
  }
  if ((STATS_PATHS as readonly string[]).includes(path)) return handleStats(request, path, context.server);
  if (isV3Path(path)) return serveV3(request, path, context);
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
      return countHealth(await handleHealth(request, context.server), context.server);
    case '/metrics':
      return handleMetrics(request, context.server);
    default:
      if (isHealthCheckPath(path)) return (await handleHealthCheck(request, path, target.search, context.server)) ?? notFound();
      return notFound();
  }
}

/** etcd's `etcd_server_health_success` / `_failures`: every `/health` check that ran counts. */
function countHealth(response: Response, server: EtcdServer): Response {
  if (response.status === 200) server.metrics.healthSuccess.inc();
  else if (response.status === 503) server.metrics.healthFailures.inc();
  return response;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
