import { LoginThrottled } from '../login-throttle.ts';
import type { PasswordChecker } from '../password-checker.ts';
import type { V2AuthStore } from './auth-store.ts';
import { hasKeyAccess, hasRecursiveAccess } from './permissions.ts';
import { AuthError, GUEST_ROLE_NAME, ROOT_ROLE_NAME, type User } from './types.ts';

/**
 * What a request presents: no `Authorization` header (or an empty one, which Go's `Header.Get`
 * cannot tell from none), one that is not HTTP basic credentials, or a user and password.
 */
export type Credentials = { kind: 'none' } | { kind: 'malformed' } | { kind: 'basic'; username: string; password: string };

/** Who is asking: the credentials, the client's address (for the throttle), and the time. */
export interface Requester {
  credentials: Credentials;
  client: string;
  nowMs: number;
}

export type Decision = { allowed: true } | { allowed: false; throttledMs?: number };

const ALLOW: Decision = { allowed: true };
const DENY: Decision = { allowed: false };

/**
 * etcd 3.4's v2 access checks (etcdserver/api/v2http/client_auth.go): `hasRootAccess` for the
 * auth API and members writes, `hasKeyPrefixAccess` (and `hasGuestAccess`) for keys. With auth
 * off everything is allowed; with it on, a request without credentials is the guest role's, and
 * one with credentials must name a user whose password matches.
 *
 * Fail closed: whatever goes wrong on the way (a stored value that does not parse, a store or
 * hasher that throws) denies the request; only a throttled login is answered differently.
 */
export class V2Access {
  constructor(
    private readonly store: V2AuthStore,
    private readonly passwords: PasswordChecker,
  ) {}

  /** `hasRootAccess`: auth off, or a user holding the root role. */
  hasRootAccess(who: Requester): Promise<Decision> {
    return this.decide(async () => {
      if (!(await this.store.authEnabled())) return true;
      const user = await this.userFromBasicAuth(who);
      return user !== undefined && (user.roles ?? []).includes(ROOT_ROLE_NAME);
    });
  }

  /** `hasWriteRootAccess`: reads (GET, HEAD) are anyone's; everything else needs root. */
  hasWriteRootAccess(method: string, who: Requester): Promise<Decision> {
    if (method === 'GET' || method === 'HEAD') return Promise.resolve(ALLOW);
    return this.hasRootAccess(who);
  }

  /**
   * `hasKeyPrefixAccess` for `key` (the request path after `/v2/keys`, as etcd takes it): a
   * user's roles are tried in turn, a recursive request needing a prefix pattern that covers the
   * key; a request without credentials gets the guest role's access to the key itself (etcd
   * checks the guest without regard to `recursive`).
   */
  hasKeyPrefixAccess(who: Requester, key: string, recursive: boolean, write: boolean): Promise<Decision> {
    return this.decide(async () => {
      if (!(await this.store.authEnabled())) return true;
      if (who.credentials.kind === 'none') return this.hasGuestAccess(key, write);
      const user = await this.userFromBasicAuth(who);
      if (user === undefined) return false;
      for (const roleName of user.roles ?? []) {
        // A role that cannot be read (deleted, say) grants nothing; etcd skips it.
        const role = await this.store.getRole(roleName).catch(() => undefined);
        if (role === undefined) continue;
        if (recursive ? hasRecursiveAccess(role, key, write) : hasKeyAccess(role, key, write)) return true;
      }
      return false;
    });
  }

  private async hasGuestAccess(key: string, write: boolean): Promise<boolean> {
    const guest = await this.store.getRole(GUEST_ROLE_NAME).catch(() => undefined);
    return guest !== undefined && hasKeyAccess(guest, key, write);
  }

  /**
   * `userFromBasicAuth`: the named user if the password is theirs. An unknown user is a failed
   * login of the client's; a store fault for the user is thrown (and denies).
   */
  private async userFromBasicAuth(who: Requester): Promise<User | undefined> {
    if (who.credentials.kind !== 'basic') return undefined;
    const { username, password } = who.credentials;
    let user: User;
    try {
      user = await this.store.getUser(username);
    } catch (error) {
      if (!(error instanceof AuthError && error.status === 404)) throw error;
      this.passwords.unknownUser(who.client, who.nowMs);
      return undefined;
    }
    const ok = await this.passwords.check(username, user.password, password, who.client, who.nowMs);
    return ok ? user : undefined;
  }

  private async decide(check: () => Promise<boolean>): Promise<Decision> {
    try {
      return (await check()) ? ALLOW : DENY;
    } catch (error) {
      if (error instanceof LoginThrottled) return { allowed: false, throttledMs: error.retryAfterMs };
      return DENY;
    }
  }
}
