import { Hono } from 'hono';
import { notFound } from '../http/index.ts';
import { memberNames, ETCD_ROUTES, OBSERVABILITY_ROUTES, routerFor, secured, serveGated, type ClientEnv } from './client-routes.ts';
import { serveConsole, type ConsoleEnv } from './console.ts';
import { mountOperatorRoutes } from './operator-routes.ts';
import { gatherMetrics } from './metrics-gather.ts';
import { PublicURLAnnouncer } from './public-url.ts';

export { Member } from '../member/index.ts';

interface WorkerEnv extends ClientEnv, ConsoleEnv {}

type App = { Bindings: WorkerEnv };

let announcer: PublicURLAnnouncer | undefined;

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
 * The front door. It forwards exactly etcd's client routes to the leader member (client-routes.ts);
 * a member's internal routes (`/raft`, `/admin/...`) are never reachable from here. A member's own
 * client port, locally, is member-port.ts.
 */
export const app = new Hono<App>();

for (const route of [...ETCD_ROUTES, ...OBSERVABILITY_ROUTES]) {
  app.all(route, async (c) => {
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

export default {
  fetch: (request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> => serveGated(request, env, async (r) => app.fetch(r, env, ctx)),
};
