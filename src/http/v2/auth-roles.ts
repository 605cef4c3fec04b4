import { decodeRole, encodeRole, isEmptyPermissions, type Role } from '../../auth/index.ts';
import { authHeaders, authHTTPError, empty, encoded, encodeRolesCollection, queryError, writeAuthError } from './auth-responses.ts';
import type { V2Auth } from './auth-state.ts';

const utf8 = new TextDecoder();

/** `GET /v2/auth/roles` (etcd's `baseRoles`): every role in full, `root` among them. */
export async function listRoles(auth: V2Auth, search: string, clusterId: string): Promise<Response> {
  const headers = authHeaders(clusterId);
  try {
    const names = await auth.store.allRoles();
    if (queryError(search)) return writeAuthError(new Error('bad query'), headers);
    const roles: Role[] = [];
    for (const name of names) roles.push(await auth.store.getRole(name));
    return encoded(encodeRolesCollection(roles), 200, headers);
  } catch (error) {
    return writeAuthError(error, headers);
  }
}

/** `/v2/auth/roles/<name>` (etcd's `forRole`), once the method and root access are checked. */
export async function serveRole(request: Request, auth: V2Auth, name: string, clusterId: string): Promise<Response> {
  const headers = authHeaders(clusterId);
  try {
    switch (request.method) {
      case 'GET':
        return encoded(encodeRole(await auth.store.getRole(name)), 200, headers);
      case 'PUT':
        return await putRole(auth, name, utf8.decode(await request.arrayBuffer()), headers);
      default:
        await auth.store.deleteRole(name);
        return empty(headers);
    }
  } catch (error) {
    return writeAuthError(error, headers);
  }
}

/**
 * A PUT without a grant or revoke creates the role as sent (and echoes it, 201); one with them
 * updates it (200, the merged role) and may not also set permissions.
 */
async function putRole(auth: V2Auth, name: string, body: string, headers: Headers): Promise<Response> {
  let role: Role;
  try {
    role = decodeRole(body, 'decoder');
  } catch {
    return authHTTPError(400, 'Invalid JSON in request body.', headers);
  }
  if (role.role !== name) return authHTTPError(400, 'Role JSON name does not match the name in the URL', headers);
  if (isEmptyPermissions(role.grant) && isEmptyPermissions(role.revoke)) {
    await auth.store.createRole(role);
    return encoded(encodeRole(role), 201, headers);
  }
  if (!isEmptyPermissions(role.permissions)) return authHTTPError(400, 'Role JSON contains both permissions and grant/revoke', headers);
  return encoded(encodeRole(await auth.store.updateRole(role)), 200, headers);
}
