import { Hono } from 'hono';
import { notFound } from '../http/index.ts';
import { MEMBER_HEADER } from '../member/index.ts';
import { ETCD_ROUTES, OBSERVABILITY_ROUTES, secured, serveGated, type ClientEnv } from './client-routes.ts';
import { memberBound } from './member-bound.ts';

/**
 * A member's own client URL (locally: node2 on 32379): etcd's client routes served by that
 * member, as an etcd member serves the clients that reach it, with no leader routing. Its own
 * small worker, bound to the front door's Member objects: it needs none of their code, so
 * workerd compiles a fraction of the front door's bundle for each member port.
 */
interface MemberPortEnv extends ClientEnv {
  /** The member this port serves. */
  SERVE_MEMBER: string;
}

const app = new Hono<{ Bindings: MemberPortEnv }>();

for (const route of [...ETCD_ROUTES, ...OBSERVABILITY_ROUTES]) {
  app.all(route, async (c) => {
    const refused = await secured(c.env);
    if (refused !== undefined) return refused;
    const request = memberBound(c.req.raw);
    request.headers.set(MEMBER_HEADER, c.env.SERVE_MEMBER);
    return c.env.MEMBER.get(c.env.MEMBER.idFromName(c.env.SERVE_MEMBER)).fetch(request);
  });
}

app.notFound(() => notFound());

export default {
  fetch: (request: Request, env: MemberPortEnv, ctx: ExecutionContext): Promise<Response> => serveGated(request, env, async (r) => app.fetch(r, env, ctx)),
};
