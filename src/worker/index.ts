import { Hono } from 'hono';

export { Member } from '../member/index.ts';

/** What etcd 3.4 answers on `/version`; clients gate features on these strings. */
const VERSION = { etcdserver: '3.4.23', etcdcluster: '3.4.0' } as const;

/**
 * The front door. It forwards the etcd v2 routes to the cluster's members; a member's internal
 * routes (`/raft`, admin) are never reachable from here.
 */
export const app = new Hono<{ Bindings: Env }>();

app.get('/version', (c) => c.json(VERSION));

app.get('/health', async (c) => {
  const member = c.env.MEMBER.get(c.env.MEMBER.idFromName('node1'));
  return member.fetch(new Request('http://member/health'));
});

app.notFound((c) => c.text('404 page not found\n', 404));

export default app;
