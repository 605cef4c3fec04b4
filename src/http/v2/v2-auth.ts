import type { Decision, Requester } from '../../auth/index.ts';
import { EtcdError, ErrorCode } from '../../store/index.ts';
import { authHTTPError } from './auth-responses.ts';
import type { V2Auth } from './auth-state.ts';
import { clientAddress, requestCredentials } from './basic-auth.ts';
import { renderKeyError } from './render.ts';

/**
 * The guards etcd 3.4 puts in front of its v2 routes (v2http/client.go and client_auth.go):
 * keys check `hasKeyPrefixAccess` once the request parsed; members writes and the whole auth API
 * check `hasRootAccess`; stats, machines, version and health are not guarded. Each guard
 * answers undefined to let the request through, or the refusal to send.
 *
 * A refusal is etcd's 401, which comes without `WWW-Authenticate` (etcd sends none). A throttled
 * login (a hardening) is 429 with `Retry-After`, in the same shape as that route's 401.
 */

const INSUFFICIENT = 'Insufficient credentials';

export function requester(request: Request, nowMs: number): Requester {
  return { credentials: requestCredentials(request), client: clientAddress(request), nowMs };
}

/** `hasKeyPrefixAccess` for `/v2/keys<key>`; a refusal is `writeKeyNoAuth`'s errorCode 110. */
export async function guardKeys(request: Request, auth: V2Auth, key: string, recursive: boolean, headers: Headers, nowMs: number): Promise<Response | undefined> {
  const write = request.method !== 'GET' && request.method !== 'HEAD';
  const decision = await auth.access.hasKeyPrefixAccess(requester(request, nowMs), key, recursive, write);
  if (decision.allowed) return undefined;
  if (decision.throttledMs !== undefined) {
    const response = renderKeyError(new EtcdError(ErrorCode.Unauthorized, throttledMessage(decision.throttledMs)), headers);
    return throttled(response, decision.throttledMs);
  }
  return renderKeyError(new EtcdError(ErrorCode.Unauthorized, INSUFFICIENT), headers);
}

/** `hasRootAccess` (the auth API); a refusal is `writeNoAuth`'s `{"message": ...}`. */
export async function guardRoot(request: Request, auth: V2Auth, nowMs: number): Promise<Response | undefined> {
  return refusal(await auth.access.hasRootAccess(requester(request, nowMs)));
}

/** `hasWriteRootAccess` (members, and the auth switch): reads pass, writes need root. */
export async function guardWriteRoot(request: Request, auth: V2Auth, nowMs: number): Promise<Response | undefined> {
  return refusal(await auth.access.hasWriteRootAccess(request.method, requester(request, nowMs)));
}

function refusal(decision: Decision): Response | undefined {
  if (decision.allowed) return undefined;
  if (decision.throttledMs !== undefined) return throttled(authHTTPError(429, `auth: ${throttledMessage(decision.throttledMs)}`), decision.throttledMs);
  return authHTTPError(401, INSUFFICIENT);
}

function throttledMessage(ms: number): string {
  return `too many failed logins for this user or client; retry in ${Math.ceil(ms / 1000)} s`;
}

/** The refusal, as 429 with `Retry-After` (whole seconds, rounded up). */
function throttled(response: Response, ms: number): Response {
  const headers = new Headers(response.headers);
  headers.set('Retry-After', String(Math.ceil(ms / 1000)));
  return new Response(response.body, { status: 429, headers });
}
