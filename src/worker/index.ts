import { Hono } from 'hono';
import { notFound, serveClientHTTP } from '../http/index.ts';
import { MEMBER_HEADER, memberNameOfPeerURL, parseNameURLs, type MemberEnv } from '../member/index.ts';
import { LeaderRouter } from './leader-router.ts';

export { Member } from '../member/index.ts';

interface WorkerEnv extends MemberEnv {
  /** Set on a member's own client port (locally: node2 on 32379): serve that member, as etcd does. */
  SERVE_MEMBER?: string;
}

type App = { Bindings: WorkerEnv };

/** The leader cache lives as long as the isolate. */
let router: LeaderRouter | undefined;

function routerFor(env: WorkerEnv): LeaderRouter {
  if (router === undefined) {
    const names = [...parseNameURLs(env.INITIAL_CLUSTER).values()].map((urls) => memberNameOfPeerURL(urls[0]!));
    router = new LeaderRouter(env.MEMBER, names);
  }
  return router;
}

/**
 * The front door. It forwards exactly the etcd v2 client routes to the leader member; a member's
 * internal routes (`/raft`, `/admin/...`) are never reachable from here.
 */
export const app = new Hono<App>();

const V2_ROUTES = ['/v2/keys', '/v2/keys/*', '/v2/members', '/v2/members/*', '/v2/machines', '/v2/stats/*', '/v2/auth', '/v2/auth/*', '/version', '/health'];

for (const route of V2_ROUTES) {
  app.all(route, async (c) => {
    const own = c.env.SERVE_MEMBER;
    if (own !== undefined && own !== '') {
      const headers = new Headers(c.req.raw.headers);
      headers.set(MEMBER_HEADER, own);
      return c.env.MEMBER.get(c.env.MEMBER.idFromName(own)).fetch(new Request(c.req.raw, { headers }));
    }
    return routerFor(c.env).forward(c.req.raw);
  });
}

app.notFound(() => notFound());

/**
 * etcd's HTTP stack around the routes: CORS headers on every response, OPTIONS answered on any
 * path, non-canonical paths redirected before routing (so `//v2/keys/a` is a 301, not a 404), and
 * a request line Go would refuse refused here too.
 */
export default {
  fetch: (request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> =>
    serveClientHTTP(request, async (r) => app.fetch(r, env, ctx)),
};
