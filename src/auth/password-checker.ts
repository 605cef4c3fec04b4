import { LoginThrottle, LoginThrottled } from './login-throttle.ts';
import type { PasswordHasher } from './password-hasher.ts';

/** Verified credentials remembered at most (least recently used forgotten first). */
export const CACHE_CAPACITY = 4_096;

/**
 * Password checks for authenticated requests: etcd's `CheckPassword`, made affordable and
 * throttled. A slow KDF runs once per credential: a credential that verified is remembered by a
 * keyed digest of (user, password, stored hash), so the next request with it costs a digest and
 * a map lookup. Changing the password changes the stored hash, so the old entry can never match
 * again; roles are not cached at all (every request reads them from the store), so a revoke takes
 * effect at once. A wrong password is never cached, and counts against the throttle.
 */
export class PasswordChecker {
  private readonly verified = new Map<string, true>();
  /** Checks under way, shared: a burst of requests with a new credential costs one KDF run. */
  private readonly pending = new Map<string, Promise<boolean>>();

  /** `capacity` 0 turns the cache off (what a request costs without it is measured so). */
  constructor(
    private readonly hasher: PasswordHasher,
    readonly throttle: LoginThrottle = new LoginThrottle(),
    private readonly capacity = CACHE_CAPACITY,
  ) {}

  /**
   * Whether `password` is `user`'s (whose stored hash is `stored`). Throws `LoginThrottled` when
   * the credential is not known good and the user or client failed too often; rejects when the
   * hasher fails (a fault: the caller denies).
   */
  async check(user: string, stored: string, password: string, client: string, nowMs: number): Promise<boolean> {
    const key = await this.hasher.digest(`${user.length}:${user}${password.length}:${password}${stored}`);
    if (this.verified.has(key)) {
      this.touch(key);
      return true;
    }
    const retryAfter = this.throttle.retryAfter(user, client, nowMs);
    if (retryAfter > 0) throw new LoginThrottled(retryAfter);
    let check = this.pending.get(key);
    if (check === undefined) {
      check = this.hasher.verify(password, stored).finally(() => this.pending.delete(key));
      this.pending.set(key, check);
    }
    const ok = await check;
    if (ok) this.remember(key);
    else this.throttle.recordFailure(user, client, nowMs);
    return ok;
  }

  /** A login as a user that does not exist: a failure of the client's (throttled likewise). */
  unknownUser(client: string, nowMs: number): void {
    const retryAfter = this.throttle.retryAfter(undefined, client, nowMs);
    if (retryAfter > 0) throw new LoginThrottled(retryAfter);
    this.throttle.recordFailure(undefined, client, nowMs);
  }

  /** How many verified credentials are remembered (for tests and metrics). */
  get size(): number {
    return this.verified.size;
  }

  private remember(key: string): void {
    if (this.capacity === 0) return;
    this.verified.set(key, true);
    if (this.verified.size > this.capacity) this.verified.delete(this.verified.keys().next().value!);
  }

  private touch(key: string): void {
    this.verified.delete(key);
    this.verified.set(key, true);
  }
}
