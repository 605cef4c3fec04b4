import type { Hono } from 'hono';
import { MEMBER_HEADER, memberNameOfPeerURL } from '../member/index.ts';
import { authHTTPError, requestCredentials } from '../http/index.ts';

/**
 * Operator actions on a deployed cluster: what `edgecd member status|start|wipe` does through the
 * local launcher's control socket, as front-door routes for an operator with no such socket.
 *
 *   GET  /edgecd/v1/members/<name>/status   the member object's state
 *   POST /edgecd/v1/members/<name>/join     start a member `member add` added (state existing)
 *   POST /edgecd/v1/members/<name>/wipe     erase its storage (`?force=true` for a live member)
 *
 * They reach a member's internal routes, so they are closed unless the cluster has auth on (v2
 * or v3): without it anyone could wipe a voter. Then only root may use them, checked by the
 * cluster itself over its public API: the v2 API's root check (`GET /v2/auth/users/root`, etcd's
 * hasRootAccess) when v2 auth is on, else a v3 login as root. Refusals are etcd's v2 auth shape.
 */

export interface OperatorDeps {
  /** A request to the cluster's leader, as any client request is forwarded. */
  forward: (request: Request) => Promise<Response>;
  /** The cluster's configured member names (INITIAL_CLUSTER): the only names served. */
  memberNames: () => string[];
  /** The member object named `name`. */
  member: (name: string) => { fetch: (request: Request) => Promise<Response> };
  /** The origin to tell a rejoined member to advertise, or undefined if client URLs are set by hand. */
  publicOrigin: (requestURL: string) => string | undefined;
  /** undefined to go on, or what to answer first (the deployment not secured yet). */
  secured: () => Promise<Response | undefined>;
}

const ACTIONS = new Set(['status', 'join', 'wipe']);
const NOT_FOUND = () => new Response('404 page not found\n', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
const INTERNAL = 'http://edgecd.internal';

export function mountOperatorRoutes<E extends { Bindings: object }>(app: Hono<E>, deps: (env: E['Bindings']) => OperatorDeps): void {
  app.all('/edgecd/v1/members/:name/:action', async (c) => {
    const d = deps(c.env);
    const name = c.req.param('name');
    const action = c.req.param('action');
    const refused = await d.secured();
    if (refused !== undefined) return refused;
    const access = await rootAccess(c.req.raw, d.forward);
    // Closed (as if absent) on a cluster without auth.
    if (access === 'auth-off') return NOT_FOUND();
    if (access instanceof Response) return access;
    if (!ACTIONS.has(action) || !d.memberNames().includes(name)) return NOT_FOUND();
    const method = action === 'status' ? 'GET' : 'POST';
    if (c.req.method !== method) return authHTTPError(405, `Method Not Allowed: ${action} takes ${method}`, new Headers({ Allow: method }));
    switch (action) {
      case 'status':
        return callMember(d, name, '/admin/status', '{}');
      case 'wipe':
        return callMember(d, name, '/admin/wipe', JSON.stringify({ force: c.req.query('force') === 'true' }));
      default:
        return join(d, name, c.req.raw);
    }
  });
}

/**
 * `edgecd member start --initial-cluster-state existing`, done where the cluster is: the member's
 * Raft ID and the peers come from the cluster's own member list (read as root), so the operator
 * sends nothing that could name another member's identity.
 */
async function join(d: OperatorDeps, name: string, request: Request): Promise<Response> {
  const listed = await d.forward(internalRequest('GET', '/v2/members', request));
  if (listed.status !== 200) return listed;
  const clusterId = listed.headers.get('X-Etcd-Cluster-Id') ?? '';
  const { members } = (await listed.json()) as { members: { id: string; peerURLs: string[] }[] };
  const self = members.find((m) => m.peerURLs.some((u) => memberNameOfPeerURL(u) === name));
  if (self === undefined) {
    return authHTTPError(409, `no member of the cluster has a peer URL naming ${name}; add it first: etcdctl member add ${name} http://${name}:2380`);
  }
  const peers = Object.fromEntries(members.filter((m) => m.peerURLs[0] !== undefined).map((m) => [m.id, m.peerURLs[0]!]));
  // A wipe took the public URL it had learnt with the rest: tell it again before it starts, so it
  // publishes that as its client URL. A wiped member takes no announcement as a first start.
  const origin = d.publicOrigin(request.url);
  if (origin !== undefined) await (await callMember(d, name, '/admin/public-url', origin)).body?.cancel();
  return callMember(d, name, '/admin/join', JSON.stringify({ name, id: self.id, clusterId, peers }));
}

async function callMember(d: OperatorDeps, name: string, path: string, body: string): Promise<Response> {
  try {
    const response = await d.member(name).fetch(new Request(`http://member${path}`, { method: 'POST', headers: { [MEMBER_HEADER]: name }, body }));
    return new Response(response.body, { status: response.status, headers: { 'Content-Type': response.headers.get('Content-Type') ?? 'application/json' } });
  } catch (error) {
    return authHTTPError(502, `member ${name} unreachable: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A request of the front door's own to the cluster, with the client's credentials when given. */
function internalRequest(method: string, path: string, from: Request, body?: string): Request {
  const headers = new Headers({ 'Content-Type': 'application/json' });
  const authorization = from.headers.get('Authorization');
  // A v3 login carries its credentials in the body; the gateway would take a header as a token.
  if (authorization !== null && !path.startsWith('/v3/')) headers.set('Authorization', authorization);
  const address = from.headers.get('CF-Connecting-IP');
  // Failed logins are throttled per client (basic-auth.ts): count these against the real one.
  if (address !== null) headers.set('CF-Connecting-IP', address);
  return new Request(`${INTERNAL}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
}

/**
 * 'auth-off' when neither API has auth on; 'root' for root; else the refusal: 401 for missing or
 * wrong credentials, 403 for a user the cluster knows who is not root (shown by a v3 login).
 */
async function rootAccess(request: Request, forward: OperatorDeps['forward']): Promise<'auth-off' | 'root' | Response> {
  const v2 = await forward(internalRequest('GET', '/v2/auth/enable', request));
  const v2On = v2.status === 200 && ((await v2.json()) as { enabled?: boolean }).enabled === true;
  const credentials = requestCredentials(request);
  const login = async (name: string, password: string) => forward(internalRequest('POST', '/v3/auth/authenticate', request, JSON.stringify({ name, password })));
  if (!v2On) {
    // v3 alone: a range with no token is served only with v3 auth off. (Not a login, which would
    // count a failure against root's throttle for any anonymous caller.)
    const range = await forward(internalRequest('POST', '/v3/kv/range', request, JSON.stringify({ key: 'AA==' })));
    await range.body?.cancel();
    if (range.status === 200) return 'auth-off';
    if (credentials.kind !== 'basic') return unauthorized();
    const probe = await login(credentials.username, credentials.password);
    await probe.body?.cancel();
    if (probe.status === 429) return authHTTPError(429, 'auth: too many failed logins; retry later', new Headers({ 'Retry-After': probe.headers.get('Retry-After') ?? '1' }));
    if (probe.status !== 200) return unauthorized();
    return credentials.username === 'root' ? 'root' : forbidden();
  }
  if (credentials.kind !== 'basic') return unauthorized();
  const root = await forward(internalRequest('GET', '/v2/auth/users/root', request));
  await root.body?.cancel();
  if (root.status === 200) return 'root';
  if (root.status === 429) return authHTTPError(429, 'auth: too many failed logins; retry later', new Headers({ 'Retry-After': root.headers.get('Retry-After') ?? '1' }));
  if (credentials.username === 'root') return unauthorized();
  const probe = await login(credentials.username, credentials.password);
  await probe.body?.cancel();
  return probe.status === 200 ? forbidden() : unauthorized();
}

function unauthorized(): Response {
  return authHTTPError(401, 'Insufficient credentials');
}

function forbidden(): Response {
  return authHTTPError(403, 'Insufficient credentials: operator actions are for root only');
}
