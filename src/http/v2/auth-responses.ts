import { AuthError, encodeRole, goQuote, type Role } from '../../auth/index.ts';
import { EtcdError } from '../../store/index.ts';
import { parseForm } from './form.ts';
import { renderKeyError } from './render.ts';

/**
 * How etcd's auth handlers answer (v2http/client_auth.go, http.go `writeError`): documents are
 * written with `json.NewEncoder(w).Encode` (Go's escaping, then a newline); errors by kind: a
 * v2auth error as `{"message": ...}` with its status, a store error as the keys API renders one,
 * anything else (a timeout, no leader, a failed hash) as 500 "Internal Server Error".
 */

export function writeAuthError(error: unknown, headers: Headers): Response {
  if (error instanceof AuthError) return authHTTPError(error.status, error.message, headers);
  if (error instanceof EtcdError) return renderKeyError(error, headers);
  return authHTTPError(500, 'Internal Server Error', headers);
}

/**
 * `httptypes.HTTPError.WriteTo`: `{"message": ...}` by `json.Marshal` (so no newline, and Go's
 * escaping: a role named `r<&>` is `r\u003c\u0026\u003e` in the message).
 */
export function authHTTPError(status: number, message: string, headers = new Headers()): Response {
  headers.set('Content-Type', 'application/json');
  return new Response(`{"message":${goQuote(message)}}`, { status, headers });
}

/** A document (already Go-encoded), as `Encode` writes it: a trailing newline. */
export function encoded(body: string, status: number, headers: Headers): Response {
  return new Response(`${body}\n`, { status, headers });
}

/** A success without a document: the headers set (JSON content type included), no body. */
export function empty(headers: Headers): Response {
  return new Response(null, { status: 200, headers });
}

/** etcd's `userWithRoles`: the user and its roles in full, `roles` left out when there are none. */
export function encodeUserWithRoles(user: string, roles: Role[]): string {
  return roles.length === 0 ? `{"user":${goQuote(user)}}` : `{"user":${goQuote(user)},"roles":[${roles.map(encodeRole).join(',')}]}`;
}

/** `{"users": ...}`: a nil list (no users) is `null`. */
export function encodeUsersCollection(users: string[]): string {
  return `{"users":${users.length === 0 ? 'null' : `[${users.join(',')}]`}}`;
}

/** `{"roles": ...}` (never empty: the root role is always listed). */
export function encodeRolesCollection(roles: Role[]): string {
  return `{"roles":${roles.length === 0 ? 'null' : `[${roles.map(encodeRole).join(',')}]`}}`;
}

/** Headers of an auth answer past its access check: the cluster ID and JSON. */
export function authHeaders(clusterId: string): Headers {
  return new Headers({ 'X-Etcd-Cluster-Id': clusterId, 'Content-Type': 'application/json' });
}

/**
 * Whether Go's `ParseForm` fails on the query (a bad escape, a `;`): the list and get handlers
 * call it, and hand its error to `writeError`, which makes it a 500.
 */
export function queryError(search: string): boolean {
  return parseForm('GET', search.slice(1), null, null).error !== undefined;
}
