/**
 * Every request the console makes goes through here: same origin as the page (the worker that
 * served it), so no CORS and no CDN. The two APIs sign in apart, as etcd's do: v2 calls carry
 * HTTP Basic credentials (etcd's v2 auth), v3 calls the token `/v3/auth/authenticate` gave
 * (etcd's gateway takes it as the `Authorization` header, bare); other routes carry neither.
 */
export interface Credentials {
  user: string;
  password: string;
}

let credentials: Credentials | undefined;
let v3Token: string | undefined;

export function setCredentials(next: Credentials | undefined): void {
  credentials = next;
}

export function setV3Token(next: string | undefined): void {
  v3Token = next;
}

export const currentV3Token = (): string | undefined => v3Token;

/** An etcd error answer (`{"errorCode":100,"message":"Key not found",...}`, or the gateway's `{"error":...,"code":...}`) or a failed request. */
export class EtcdRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number | undefined,
    message: string,
  ) {
    super(message);
  }

  /** The request was refused for want of permission (etcd v2: 401 Insufficient credentials; v3: gRPC PermissionDenied, 403). */
  get noAccess(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** A v2 API call (or `/v2/auth`): with the Basic credentials signed in, if any. */
export function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (credentials !== undefined) headers.set('Authorization', `Basic ${btoa(`${credentials.user}:${credentials.password}`)}`);
  return fetch(path, { ...init, headers });
}

/** A route of neither API (`/metrics`): no credentials. */
export const plainRequest = (path: string): Promise<Response> => fetch(path);

/** A v3 gateway call: the JSON body POSTed, with the v3 token signed in, if any. */
export function v3Request(path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', 'application/json');
  if (v3Token !== undefined) headers.set('Authorization', v3Token);
  return fetch(path, { ...init, method: 'POST', headers, body: JSON.stringify(body) });
}

/** A v3 gateway answer, its error (`{"error": "...", "message": "...", "code": 7}`) thrown as an `EtcdRequestError`. */
export async function v3Call<T>(path: string, body: unknown): Promise<T> {
  return json<T>(await v3Request(path, body));
}

/** Reads a JSON answer, turning an etcd error body into an `EtcdRequestError`. */
export async function json<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = body as { errorCode?: number; message?: string; cause?: string; error?: string } | undefined;
    const message = error?.message ?? error?.error;
    const described = message === undefined ? `${response.status} ${text.trim()}` : `${message}${error?.cause ? ` (${error.cause})` : ''}`;
    throw new EtcdRequestError(response.status, error?.errorCode, described);
  }
  return body as T;
}
