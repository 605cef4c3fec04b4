import { Hono } from 'hono';
import { notFound, serveClientHTTP } from '../http/index.ts';
import { MEMBER_HEADER, memberNameOfPeerURL, parseNameURLs, type MemberEnv } from '../member/index.ts';
import { gateClient, type ClientGateEnv } from './client-gate.ts';
import { serveConsole, type ConsoleEnv } from './console.ts';
import { LeaderRouter } from './leader-router.ts';
import { memberBound } from './member-bound.ts';
import { mountOperatorRoutes } from './operator-routes.ts';
import { gatherMetrics } from './metrics-gather.ts';
import { PublicURLAnnouncer } from './public-url.ts';
import { AuthBootstrap, bootstrapFailedResponse, securityOf, unsecuredResponse, type SecurityEnv } from './secure-gate.ts';

export { Member } from '../member/index.ts';

interface WorkerEnv extends MemberEnv, ConsoleEnv, SecurityEnv, ClientGateEnv {
  /** Set on a member's own client port (locally: node2 on 32379): serve that member, as etcd does. */
  SERVE_MEMBER?: string;
  /** `leader`: every quorum read to the leader (see LeaderRouter); default: spread over members. */
  QUORUM_READS?: string;
}

type App = { Bindings: WorkerEnv };

/** The leader cache lives as long as the isolate. */
let router: LeaderRouter | undefined;
let announcer: PublicURLAnnouncer | undefined;
let bootstrapper: AuthBootstrap | undefined;

function memberNames(env: WorkerEnv): string[] {
  return [...parseNameURLs(env.INITIAL_CLUSTER).values()].map((urls) => memberNameOfPeerURL(urls[0]!));
}

function routerFor(env: WorkerEnv): LeaderRouter {
  router ??= new LeaderRouter(env.MEMBER, memberNames(env), env.QUORUM_READS !== 'leader');
  return router;
}

/**
 * With no client URL set by hand (a deployed worker), members learn the worker's public URL from
 * the origin of the first request an isolate serves (public-url.ts).
 */
function announceOrigin(env: WorkerEnv, url: string): Promise<void> | undefined {
  if ((env.ADVERTISE_CLIENT_URLS ?? '') !== '' || (env.PUBLIC_URL ?? '') !== '') return undefined;
  announcer ??= new PublicURLAnnouncer(env.MEMBER, memberNames(env));
  return announcer.announce(new URL(url).origin);
}

/**
 * With a root password set, auth is bootstrapped (once per isolate) before any request is
 * forwarded (secure-gate.ts); undefined to go on, or what to answer instead.
 */
async function secured(env: WorkerEnv): Promise<Response | undefined> {
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
 * The front door. It forwards exactly the etcd v2 client routes to the leader member; a member's
 * internal routes (`/raft`, `/admin/...`) are never reachable from here.
 */
export const app = new Hono<App>();

/** etcd's client routes: the v2 API, /version and /health, and the v3 JSON gateway. */
const ETCD_ROUTES = ['/v2/keys', '/v2/keys/*', '/v2/members', '/v2/members/*', '/v2/machines', '/v2/stats/*', '/v2/auth', '/v2/auth/*', '/version', '/health', '/v3', '/v3/*', '/v3beta/*'];
/** etcd's /metrics (3.4) and /livez, /readyz (3.6), with one check per subpath. */
const OBSERVABILITY_ROUTES = ['/metrics', '/livez', '/livez/*', '/readyz', '/readyz/*'];

for (const route of [...ETCD_ROUTES, ...OBSERVABILITY_ROUTES]) {
  app.all(route, async (c) => {
    const own = c.env.SERVE_MEMBER;
    if (own !== undefined && own !== '') {
      const refused = await secured(c.env);
      if (refused !== undefined) return refused;
      const request = memberBound(c.req.raw);
      request.headers.set(MEMBER_HEADER, own);
      return c.env.MEMBER.get(c.env.MEMBER.idFromName(own)).fetch(request);
    }
    await announceOrigin(c.env, c.req.url);
    const refused = await secured(c.env);
    if (refused !== undefined) return refused;
    // The front door's /metrics is the whole cluster's; its /livez and /readyz are the leader's,
    // the member that would serve the next request.
    if (route === '/metrics') return gatherMetrics(c.env.MEMBER, memberNames(c.env));
    return routerFor(c.env).forward(c.req.raw);
  });
}

// Operator actions (member status, join, wipe) for a deployed cluster: root only, with auth on.
mountOperatorRoutes(app, (env) => ({
  forward: (request) => routerFor(env).forward(request),
  memberNames: () => memberNames(env),
  member: (name) => env.MEMBER.get(env.MEMBER.idFromName(name)),
  publicOrigin: (url) => ((env.ADVERTISE_CLIENT_URLS ?? '') !== '' || (env.PUBLIC_URL ?? '') !== '' ? undefined : new URL(url).origin),
  secured: () => secured(env),
}));

// The console (src/ui), same origin as the API it calls.
app.get('/ui', (c) => c.redirect('/ui/', 301));
app.get('/ui/', (c) => serveConsole(c.env));

app.notFound(() => notFound());

/**
 * etcd's HTTP stack around the routes: CORS headers on every response, OPTIONS answered on any
 * path, non-canonical paths redirected before routing (so `//v2/keys/a` is a 301, not a 404), and
 * a request line Go would refuse refused here too.
 */
export default {
  fetch: (request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> => {
    // Not secured (no root password, no explicit opt-out): nothing is served (secure-gate.ts).
    if (securityOf(env).mode === 'unsecured') return Promise.resolve(unsecuredResponse());
    // Body size and per-client rate, before the body is read (client-gate.ts).
    const refused = gateClient(request, env, Date.now());
    if (refused !== undefined) return Promise.resolve(refused);
    return serveClientHTTP(request, async (r) => app.fetch(r, env, ctx));
  },
};
