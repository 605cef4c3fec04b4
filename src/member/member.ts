import { DurableObject } from 'cloudflare:workers';

/**
 * One etcd member. Each member is a Durable Object addressed by its name; its SQLite storage is
 * the member's data dir (Raft hard state, log, snapshot, identity).
 */
export class Member extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/health') return Response.json({ health: 'true' });
    return new Response('404 page not found\n', { status: 404 });
  }
}
