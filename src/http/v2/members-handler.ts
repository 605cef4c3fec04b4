import { MembershipError, ServerError, type EtcdServer, type Member } from '../../server/index.ts';
import { jsonBody, methodNotAllowed } from '../responses.ts';
import { httpError } from './render.ts';
import { parsePeerURLsBody } from './peer-urls.ts';
import type { V2Auth } from './auth-state.ts';
import { guardWriteRoot } from './v2-auth.ts';

const MEMBERS_PREFIX = '/v2/members';
const ALLOWED = ['GET', 'POST', 'DELETE', 'PUT'];
const utf8 = new TextDecoder();

/**
 * etcd 3.4's members API (v2http `membersHandler`): list, leader, add, remove, update, with its
 * statuses and messages. Errors the handler does not name become 500 "Internal Server Error", as
 * etcd's `WriteError` renders them.
 */
export async function handleMembers(request: Request, path: string, server: EtcdServer, auth: V2Auth, clusterId: string, nowMs: number): Promise<Response> {
  if (!ALLOWED.includes(request.method)) return methodNotAllowed(ALLOWED);
  // etcd's `hasWriteRootAccess`: listing is anyone's; a change needs the root role once auth is on.
  const refused = await guardWriteRoot(request, auth, nowMs);
  if (refused !== undefined) return refused;
  const headers = (): Headers => new Headers({ 'X-Etcd-Cluster-Id': clusterId });
  const rest = path.slice(MEMBERS_PREFIX.length).replace(/^\//, '');
  switch (request.method) {
    case 'GET':
      if (rest === '') return json({ members: server.cluster.list().map(memberJSON) }, 200, headers());
      if (rest === 'leader') {
        const leader = server.leaderMember;
        return leader === undefined ? httpError(503, 'During election', headers()) : json(memberJSON(leader), 200, headers());
      }
      return httpError(404, 'Not found', headers());
    case 'POST': {
      const body = await readPeerURLs(request, headers);
      if (body instanceof Response) return body;
      try {
        const member = await server.addMember(body.peerURLs, nowMs);
        return json(memberJSON(member), 201, headers());
      } catch (error) {
        return membershipError(error, headers(), (message) => (message === MembershipError.IDExists || message === MembershipError.PeerURLExists ? [409, message] : undefined));
      }
    }
    case 'DELETE': {
      const id = memberId(rest, headers);
      if (id instanceof Response) return id;
      try {
        await server.removeMember(id);
        return new Response(null, { status: 204, headers: headers() });
      } catch (error) {
        return membershipError(error, headers(), (message) =>
          message === MembershipError.IDRemoved ? [410, `Member permanently removed: ${id}`]
          : message === MembershipError.IDNotFound ? [404, `No such member: ${id}`]
          : undefined,
        );
      }
    }
    default: {
      const id = memberId(rest, headers);
      if (id instanceof Response) return id;
      const body = await readPeerURLs(request, headers);
      if (body instanceof Response) return body;
      try {
        await server.updateMember(id, body.peerURLs);
        return new Response(null, { status: 204, headers: headers() });
      } catch (error) {
        return membershipError(error, headers(), (message) =>
          message === MembershipError.PeerURLExists ? [409, message]
          : message === MembershipError.IDNotFound ? [404, `No such member: ${id}`]
          : undefined,
        );
      }
    }
  }
}

/** etcd's `unmarshalRequest`: JSON only (the media type compared lower-cased only when a `;` follows it). */
async function readPeerURLs(request: Request, headers: () => Headers): Promise<{ peerURLs: string[] } | Response> {
  let contentType = request.headers.get('Content-Type') ?? '';
  const semicolon = contentType.indexOf(';');
  if (semicolon !== -1) contentType = contentType.slice(0, semicolon).trim().toLowerCase();
  if (contentType !== 'application/json') {
    // Go's Header.Get of a missing Content-Type gives "", but its client sends text/plain for a string body.
    return httpError(415, `Bad Content-Type ${contentType}, accept application/json`, headers());
  }
  const parsed = parsePeerURLsBody(utf8.decode(await request.arrayBuffer()));
  return 'error' in parsed ? httpError(400, parsed.error, headers()) : parsed;
}

/** etcd's `getID`: no ID is 405; an ID that is not hex is "No such member". */
function memberId(rest: string, headers: () => Headers): string | Response {
  if (rest === '') {
    const h = headers();
    h.set('Content-Type', 'text/plain; charset=utf-8');
    h.set('X-Content-Type-Options', 'nosniff');
    return new Response('Method Not Allowed\n', { status: 405, headers: h });
  }
  if (!/^[0-9a-fA-F]{1,16}$/.test(rest)) return httpError(404, `No such member: ${rest}`, headers());
  const trimmed = rest.toLowerCase().replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}

function membershipError(error: unknown, headers: Headers, named: (message: string) => [number, string] | undefined): Response {
  const message = error instanceof MembershipError || error instanceof ServerError ? error.message : '';
  const known = named(message);
  if (known !== undefined) return httpError(known[0], known[1], headers);
  return httpError(500, 'Internal Server Error', headers);
}

/** etcd's v2 `httptypes.Member`: it has no learner flag, so a learner is listed like any member. */
function memberJSON(m: Member): Pick<Member, 'id' | 'name' | 'peerURLs' | 'clientURLs'> {
  return { id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs };
}

function json(value: unknown, status: number, headers: Headers): Response {
  headers.set('Content-Type', 'application/json');
  return new Response(jsonBody(value), { status, headers });
}
