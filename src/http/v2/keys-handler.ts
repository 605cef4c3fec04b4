import type { EtcdServer } from '../../server/index.ts';
import { methodNotAllowed } from '../responses.ts';
import type { V2Auth } from './auth-state.ts';
import { OVERSIZED_FORM, oversizedForm, parseForm } from './form.ts';
import { KEYS_PREFIX, parseKeyRequest } from './key-request.ts';
import { renderEvent, renderKeyError } from './render.ts';
import { guardKeys } from './v2-auth.ts';
import { renderWatch } from './watch.ts';

const utf8 = new TextDecoder();

/**
 * Internal: the front door names each client request, and names a retry of it the same, so a
 * write that did commit before its member failed is answered, not applied again.
 */
export const REQUEST_ID_HEADER = 'X-Edgecd-Request-Id';

/** The body as form text, or unread when its declared length is past Go's form limit. */
async function formBody(request: Request): Promise<string | typeof OVERSIZED_FORM> {
  if (oversizedForm(request.method, request.headers.get('Content-Type'), request.headers.get('Content-Length'))) {
    await request.body?.cancel();
    return OVERSIZED_FORM;
  }
  return utf8.decode(await request.arrayBuffer());
}

/** `/v2/keys` (v2http `keysHandler`): parse, serve through the member, render event or watch. */
export async function handleKeys(request: Request, search: string, path: string, server: EtcdServer, auth: V2Auth, clusterId: string, now: number): Promise<Response> {
  const allowed = ['HEAD', 'GET', 'PUT', 'POST', 'DELETE'];
  if (!allowed.includes(request.method)) return methodNotAllowed(allowed);
  const headers = new Headers({ 'X-Etcd-Cluster-Id': clusterId });
  try {
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await formBody(request);
    const form = parseForm(request.method, search.slice(1), request.headers.get('Content-Type'), body);
    const { request: v2, noValueOnSuccess } = parseKeyRequest(request.method, path, form, now);
    // etcd checks access once the request parsed, on the path as sent after `/v2/keys`.
    const refused = await guardKeys(request, auth, path.slice(KEYS_PREFIX.length), v2.recursive, headers, now);
    if (refused !== undefined) return refused;
    v2.id = request.headers.get(REQUEST_ID_HEADER) ?? '';
    const response = await server.serveV2(v2);
    if (response.watcher !== undefined) return renderWatch(response.watcher, response, headers, v2.stream, request.signal);
    if (response.event === undefined) return renderKeyError(new Error('received response with no Event/Watcher'), headers);
    const rendered = renderEvent(response.event, response, headers, noValueOnSuccess);
    return request.method === 'HEAD' ? new Response(null, { status: rendered.status, headers: rendered.headers }) : rendered;
  } catch (error) {
    return renderKeyError(error, headers);
  }
}
