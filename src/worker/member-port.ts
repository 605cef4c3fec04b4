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
    try {
      return await c.env.MEMBER.get(c.env.MEMBER.idFromName(c.env.SERVE_MEMBER)).fetch(request);
    } catch (error) {
      // The member's object is resetting (or broken): what a client of a down etcd member meets
      // is a refused connection; here a 503 it can retry, and the cause in the log (uncaught, it
      // would be workerd's bare "Internal Server Error", with nothing logged).
      console.error(JSON.stringify({ level: 'error', ts: new Date().toISOString(), member: c.env.SERVE_MEMBER, msg: 'member unreachable from its client port', error: String(error) }));
      return c.json({ message: `member ${c.env.SERVE_MEMBER} is unavailable` }, 503, { 'Retry-After': '1' });
    }
  });
}

app.notFound(() => notFound());

export default {
  fetch: (request: Request, env: MemberPortEnv, ctx: ExecutionContext): Promise<Response> => serveGated(request, env, async (r) => app.fetch(r, env, ctx)),
};
