import { normalizeKey } from '../../store/index.ts';
import { methodNotAllowed } from '../responses.ts';
import { authHeaders, authHTTPError, empty, encoded, writeAuthError } from './auth-responses.ts';
import { listRoles, serveRole } from './auth-roles.ts';
import type { V2Auth } from './auth-state.ts';
import { listUsers, serveUser } from './auth-users.ts';
import { guardRoot, guardWriteRoot } from './v2-auth.ts';

const AUTH_PREFIX = '/v2/auth';

/** The paths etcd's mux gives the auth API (`handleAuth`); anything else under `/v2/auth` is 404. */
export function isAuthPath(path: string): boolean {
  return (
    path === '/v2/auth/enable' ||
    path === '/v2/auth/users' ||
    path.startsWith('/v2/auth/users/') ||
    path === '/v2/auth/roles' ||
    path.startsWith('/v2/auth/roles/')
  );
}

/**
 * etcd 3.4's v2 auth API (v2http/client_auth.go): `/v2/auth/enable`, `/v2/auth/users[/<name>]`,
 * `/v2/auth/roles[/<name>]`. Each handler checks the method, then root access (the switch's
 * GET is anyone's), then answers with the cluster ID and JSON.
 */
export async function handleAuth(request: Request, path: string, search: string, auth: V2Auth, clusterId: string, nowMs: number): Promise<Response> {
  if (path === '/v2/auth/enable') return enableDisable(request, auth, clusterId, nowMs);
  const pieces = normalizeKey(path.slice(AUTH_PREFIX.length)).split('/');
  const isUsers = pieces[1] === 'users';
  if (pieces.length === 2) {
    if (request.method !== 'GET') return methodNotAllowed(['GET']);
    const refused = await guardRoot(request, auth, nowMs);
    if (refused !== undefined) return refused;
    return isUsers ? listUsers(auth, search, clusterId) : listRoles(auth, search, clusterId);
  }
  // `/users/a/b`: etcd refuses it before any check.
  if (pieces.length !== 3) return authHTTPError(400, 'Invalid path');
  const ALLOWED = ['GET', 'PUT', 'DELETE'];
  if (!ALLOWED.includes(request.method)) return methodNotAllowed(ALLOWED);
  const refused = await guardRoot(request, auth, nowMs);
  if (refused !== undefined) return refused;
  return isUsers ? serveUser(request, auth, pieces[2]!, search, clusterId) : serveRole(request, auth, pieces[2]!, clusterId);
}

/** `/v2/auth/enable`: GET the state (anyone), PUT to enable, DELETE to disable (root, once on). */
async function enableDisable(request: Request, auth: V2Auth, clusterId: string, nowMs: number): Promise<Response> {
  const ALLOWED = ['GET', 'PUT', 'DELETE'];
  if (!ALLOWED.includes(request.method)) return methodNotAllowed(ALLOWED);
  const refused = await guardWriteRoot(request, auth, nowMs);
  if (refused !== undefined) return refused;
  const headers = authHeaders(clusterId);
  try {
    // Read before the method is looked at, as etcd does (it counts in the store's stats).
    const enabled = await auth.store.authEnabled();
    switch (request.method) {
      case 'GET':
        return encoded(`{"enabled":${enabled}}`, 200, headers);
      case 'PUT':
        await auth.store.enableAuth();
        return empty(headers);
      default:
        await auth.store.disableAuth();
        return empty(headers);
    }
  } catch (error) {
    return writeAuthError(error, headers);
  }
}
