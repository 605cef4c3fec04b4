import { serveClientHTTP } from '../http/index.ts';
import { memberNameOfPeerURL, parseNameURLs, type MemberEnv } from '../member/index.ts';
import { gateClient, type ClientGateEnv } from './client-gate.ts';
import { LeaderRouter } from './leader-router.ts';
import { AuthBootstrap, bootstrapFailedResponse, securityOf, unsecuredResponse, type SecurityEnv } from './secure-gate.ts';

/**
 * What the two client-facing workers share: the front door (index.ts) and a member's own client
 * port (member-port.ts, locally): the routes etcd serves, the leader router, the auth bootstrap
 * and the gates every request passes first.
 */
export interface ClientEnv extends MemberEnv, SecurityEnv, ClientGateEnv {
  /** `leader`: every quorum read to the leader (see LeaderRouter); default: spread over members. */
  QUORUM_READS?: string;
}

/** etcd's client routes: the v2 API, /version and /health, and the v3 JSON gateway. */
export const ETCD_ROUTES = ['/v2/keys', '/v2/keys/*', '/v2/members', '/v2/members/*', '/v2/machines', '/v2/stats/*', '/v2/auth', '/v2/auth/*', '/version', '/health', '/v3', '/v3/*', '/v3beta/*'];
/** etcd's /metrics (3.4) and /livez, /readyz (3.6), with one check per subpath. */
export const OBSERVABILITY_ROUTES = ['/metrics', '/livez', '/livez/*', '/readyz', '/readyz/*'];

export function memberNames(env: ClientEnv): string[] {
  return [...parseNameURLs(env.INITIAL_CLUSTER).values()].map((urls) => memberNameOfPeerURL(urls[0]!));
}

/** The leader cache lives as long as the isolate. */
let router: LeaderRouter | undefined;
let bootstrapper: AuthBootstrap | undefined;

export function routerFor(env: ClientEnv): LeaderRouter {
  router ??= new LeaderRouter(env.MEMBER, memberNames(env), env.QUORUM_READS !== 'leader');
  return router;
}

/**
 * With a root password set, auth is bootstrapped (once per isolate) before any request is
 * forwarded (secure-gate.ts); undefined to go on, or what to answer instead.
 */
export async function secured(env: ClientEnv): Promise<Response | undefined> {
  const security = securityOf(env);
  if (security.mode !== 'root-password') return undefined;
  if (bootstrapper?.isFor(security.password) !== true) bootstrapper = new AuthBootstrap(security.password);
  try {
    await bootstrapper.ensure((request) => routerFor(env).forward(request));
    return undefined;
  } catch (error) {
    return bootstrapFailedResponse(error instanceof Error ? error.message : String(error));
  }
}

/**
 * etcd's HTTP stack around a worker's routes: nothing served while unsecured (secure-gate.ts),
 * body size and per-client rate before the body is read (client-gate.ts), then CORS headers on
 * every response, OPTIONS answered on any path, non-canonical paths redirected before routing
 * (so `//v2/keys/a` is a 301, not a 404), and a request line Go would refuse refused here too.
 */
export function serveGated(request: Request, env: ClientEnv, route: (request: Request) => Promise<Response>): Promise<Response> {
  if (securityOf(env).mode === 'unsecured') return Promise.resolve(unsecuredResponse());
  const refused = gateClient(request, env, Date.now());
  if (refused !== undefined) return Promise.resolve(refused);
  return serveClientHTTP(request, route);
}
