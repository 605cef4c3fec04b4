import { decodeUser, encodeUser, type Role, type User } from '../../auth/index.ts';
import { authHeaders, authHTTPError, empty, encoded, encodeUserWithRoles, encodeUsersCollection, queryError, writeAuthError } from './auth-responses.ts';
import type { V2Auth } from './auth-state.ts';

const utf8 = new TextDecoder();

/** `GET /v2/auth/users` (etcd's `baseUsers`): every user with the roles that can be read. */
export async function listUsers(auth: V2Auth, search: string, clusterId: string): Promise<Response> {
  const headers = authHeaders(clusterId);
  try {
    const names = await auth.store.allUsers();
    if (queryError(search)) return writeAuthError(new Error('bad query'), headers);
    const users: string[] = [];
    for (const name of names) {
      const user = await auth.store.getUser(name);
      const roles: Role[] = [];
      for (const roleName of user.roles ?? []) {
        // etcd skips a role it cannot read here (but not in `GET /v2/auth/users/<name>`).
        const role = await auth.store.getRole(roleName).catch(() => undefined);
        if (role !== undefined) roles.push(role);
      }
      users.push(encodeUserWithRoles(user.user, roles));
    }
    return encoded(encodeUsersCollection(users), 200, headers);
  } catch (error) {
    return writeAuthError(error, headers);
  }
}

/** `/v2/auth/users/<name>` (etcd's `forUser`), once the method and root access are checked. */
export async function serveUser(request: Request, auth: V2Auth, name: string, search: string, clusterId: string): Promise<Response> {
  const headers = authHeaders(clusterId);
  try {
    switch (request.method) {
      case 'GET':
        return await getUser(auth, name, search, headers);
      case 'PUT':
        return await putUser(auth, name, utf8.decode(await request.arrayBuffer()), headers);
      default:
        await auth.store.deleteUser(name);
        return empty(headers);
    }
  } catch (error) {
    return writeAuthError(error, headers);
  }
}

async function getUser(auth: V2Auth, name: string, search: string, headers: Headers): Promise<Response> {
  const user = await auth.store.getUser(name);
  if (queryError(search)) return writeAuthError(new Error('bad query'), headers);
  const roles: Role[] = [];
  for (const roleName of user.roles ?? []) roles.push(await auth.store.getRole(roleName));
  return encoded(encodeUserWithRoles(user.user, roles), 200, headers);
}

/**
 * A PUT creates, updates, grants or revokes, as etcd reads its body: roles without grants is a
 * create; neither is "create, or change the password"; grants or revokes are an update.
 */
async function putUser(auth: V2Auth, name: string, body: string, headers: Headers): Promise<Response> {
  let user: User;
  try {
    user = decodeUser(body, 'decoder');
  } catch {
    return authHTTPError(400, 'Invalid JSON in request body.', headers);
  }
  if (user.user !== name) return authHTTPError(400, 'User JSON name does not match the name in the URL', headers);
  let out: User;
  let created = false;
  if ((user.grant?.length ?? 0) === 0 && (user.revoke?.length ?? 0) === 0) {
    if ((user.roles?.length ?? 0) !== 0) out = await auth.store.createUser(user);
    else ({ user: out, created } = await auth.store.createOrUpdateUser(user));
  } else {
    if ((user.roles?.length ?? 0) !== 0) return authHTTPError(400, 'User JSON contains both roles and grant/revoke', headers);
    out = await auth.store.updateUser(user);
  }
  // The answer never carries the hash.
  return encoded(encodeUser({ ...out, password: '' }), created ? 201 : 200, headers);
}
