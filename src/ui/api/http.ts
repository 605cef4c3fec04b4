/**
 * Every request the console makes goes through here: same origin as the page (the worker that
 * served it), so no CORS and no CDN. The seam for login (etcd's v2 auth is HTTP Basic): once
 * auth lands, a sign-in form calls `setCredentials` and every request carries them.
 */
export interface Credentials {
  user: string;
  password: string;
}

let credentials: Credentials | undefined;

export function setCredentials(next: Credentials | undefined): void {
  credentials = next;
}

/** An etcd error answer (`{"errorCode":100,"message":"Key not found",...}`) or a failed request. */
export class EtcdRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (credentials !== undefined) headers.set('Authorization', `Basic ${btoa(`${credentials.user}:${credentials.password}`)}`);
  return fetch(path, { ...init, headers });
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
    const error = body as { errorCode?: number; message?: string; cause?: string } | undefined;
    const message = error?.message === undefined ? `${response.status} ${text.trim()}` : `${error.message}${error.cause ? ` (${error.cause})` : ''}`;
    throw new EtcdRequestError(response.status, error?.errorCode, message);
  }
  return body as T;
}
