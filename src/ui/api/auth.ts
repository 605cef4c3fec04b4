import { EtcdRequestError, request, setCredentials, setV3Token, v3Call } from './http.ts';

/**
 * Signing in, as each API does it. v2 (etcd's v2 auth) has no session: every request carries
 * HTTP Basic credentials, and a wrong password looks like any other refusal (401), so signing in
 * only stores them. v3 trades the name and password for a token (`/v3/auth/authenticate`), which
 * v3 calls then carry; with v3 auth off etcd refuses to authenticate, and v3 calls go without.
 */

/** Whether v2 auth is on (`GET /v2/auth/enable`: anyone may ask). */
export async function v2AuthEnabled(): Promise<boolean> {
  const response = await request('/v2/auth/enable');
  if (!response.ok) return false;
  return ((await response.json()) as { enabled?: boolean }).enabled === true;
}

export interface SignedIn {
  user: string;
  /** Whether v3 auth gave a token (v3 auth is on and the password is right). */
  v3: boolean;
}

export async function signIn(user: string, password: string): Promise<SignedIn> {
  setCredentials({ user, password });
  try {
    const { token } = await v3Call<{ token?: string }>('/v3/auth/authenticate', { name: user, password });
    setV3Token(token);
    return { user, v3: token !== undefined };
  } catch (error) {
    setV3Token(undefined);
    // "authentication is not enabled" (v3 auth off) leaves v3 calls unsigned; any other refusal
    // (a wrong password) is the user's to see.
    if (error instanceof EtcdRequestError && /authentication is not enabled/.test(error.message)) return { user, v3: false };
    if (error instanceof EtcdRequestError && /authentication failed/.test(error.message)) {
      setCredentials(undefined);
      throw new Error('authentication failed: invalid user ID or password');
    }
    return { user, v3: false };
  }
}

export function signOut(): void {
  setCredentials(undefined);
  setV3Token(undefined);
}
