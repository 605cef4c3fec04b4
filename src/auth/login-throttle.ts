/**
 * Failed logins, throttled per user and per client (a hardening: etcd 3.4 checks a password on
 * every request and never slows a guesser down; bcrypt's cost is its only brake).
 *
 * A key (a user name, or a client address) that failed `failures` times within the last
 * `windowMs` is throttled until the oldest of those failures leaves the window. While throttled,
 * a credential that is not already verified (in the cache) is refused without being checked, so
 * a guesser learns nothing and spends no KDF time. A client that logged in before keeps working:
 * its credential is in the cache, which is consulted first.
 *
 * Time is an input (epoch ms from the member); the state is this member's memory only, which is
 * enough because the front door sends every client request to the leader.
 */

export interface ThrottleLimit {
  failures: number;
  windowMs: number;
}

/**
 * 10 failures per user in 5 minutes: an online guesser gets about 3 000 guesses a day at one
 * account, wherever it comes from. 30 per client in 5 minutes: one client spraying many users
 * is stopped sooner than the sum of their limits.
 */
export const USER_FAILURE_LIMIT: ThrottleLimit = { failures: 10, windowMs: 5 * 60_000 };
export const CLIENT_FAILURE_LIMIT: ThrottleLimit = { failures: 30, windowMs: 5 * 60_000 };
/** Keys remembered at most (the least recently failed are forgotten first): bounded memory. */
const MAX_TRACKED_KEYS = 10_000;

export class LoginThrottled extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`too many failed logins: retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'LoginThrottled';
  }
}

export class LoginThrottle {
  private readonly users = new FailureLog();
  private readonly clients = new FailureLog();

  constructor(
    private readonly userLimit: ThrottleLimit = USER_FAILURE_LIMIT,
    private readonly clientLimit: ThrottleLimit = CLIENT_FAILURE_LIMIT,
  ) {}

  /** How long until `user` (if named) and `client` may try again; 0 when they may now. */
  retryAfter(user: string | undefined, client: string, nowMs: number): number {
    const forUser = user === undefined ? 0 : this.users.retryAfter(user, this.userLimit, nowMs);
    return Math.max(forUser, this.clients.retryAfter(client, this.clientLimit, nowMs));
  }

  /** A failed login: a wrong password (counted for the user and the client) or an unknown user. */
  recordFailure(user: string | undefined, client: string, nowMs: number): void {
    if (user !== undefined) this.users.record(user, this.userLimit, nowMs);
    this.clients.record(client, this.clientLimit, nowMs);
  }
}

/** Per key, the times of its latest failures (at most the limit's count: older ones cannot matter). */
class FailureLog {
  private readonly log = new Map<string, number[]>();

  retryAfter(key: string, limit: ThrottleLimit, nowMs: number): number {
    const times = this.recent(key, limit, nowMs);
    if (times.length < limit.failures) return 0;
    return times[times.length - limit.failures]! + limit.windowMs - nowMs;
  }

  record(key: string, limit: ThrottleLimit, nowMs: number): void {
    const times = this.recent(key, limit, nowMs);
    times.push(nowMs);
    if (times.length > limit.failures) times.splice(0, times.length - limit.failures);
    // Re-inserted, so the map's order is least recently failed first.
    this.log.delete(key);
    this.log.set(key, times);
    if (this.log.size > MAX_TRACKED_KEYS) this.log.delete(this.log.keys().next().value!);
  }

  private recent(key: string, limit: ThrottleLimit, nowMs: number): number[] {
    const times = this.log.get(key);
    if (times === undefined) return [];
    const fresh = times.filter((t) => t > nowMs - limit.windowMs);
    if (fresh.length === 0) this.log.delete(key);
    else if (fresh.length !== times.length) this.log.set(key, fresh);
    return fresh;
  }
}
