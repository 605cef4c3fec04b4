/**
 * etcd 3.4's simple tokens (auth/simple_token.go, `--auth-token simple`): a token is
 * `<16 random letters>.<raft index of the Authenticate entry>`, and names a user in this member's
 * memory only. Every member that applies the Authenticate entry learns the token, so any of them
 * honours it; it lives for the TTL after its last use *on that member* (5 minutes by default), is
 * dropped when its user is deleted or changes password, and every token goes when auth is turned
 * off or the member restarts. A client whose token a member does not know gets "invalid auth
 * token" and logs in again (clientv3's retry does it by itself).
 *
 * Time comes in as epoch ms from the member; nothing here reads a clock.
 */

/** etcd's `simpleTokenTTLDefault` (`--auth-token-ttl` 300). */
export const DEFAULT_TOKEN_TTL_MS = 300_000;
/** Above this many tokens, expired ones are swept on the next assignment (bounded memory). */
const SWEEP_THRESHOLD = 1_024;

interface TokenEntry {
  user: string;
  expiresAtMs: number;
}

export class SimpleTokens {
  private tokens = new Map<string, TokenEntry>();
  private enabled = false;

  constructor(private readonly ttlMs = DEFAULT_TOKEN_TTL_MS) {}

  /** `enable`: tokens can be assigned (auth was turned on, or found on at start). */
  enable(): void {
    this.enabled = true;
  }

  /** `disable`: every token is forgotten. */
  disable(): void {
    this.enabled = false;
    this.tokens = new Map();
  }

  /** `assign`: the token for `prefix` and the entry's index, now `user`'s. */
  assign(prefix: string, index: number, user: string, nowMs: number): string {
    const token = `${prefix}.${index}`;
    if (!this.enabled) return token;
    if (this.tokens.size >= SWEEP_THRESHOLD) this.sweep(nowMs);
    this.tokens.set(token, { user, expiresAtMs: nowMs + this.ttlMs });
    return token;
  }

  /**
   * `info`: the user a token names, and its life renewed; undefined for a token this member does
   * not know (malformed, expired, never assigned here). etcd's `isValidSimpleToken` first waits
   * until the member has applied the index the token names; here a token naming an index not yet
   * applied is unknown at once (a listed hardening: etcd holds the request, for an index that never
   * comes until the client gives up).
   */
  info(token: string, nowMs: number, appliedIndex: number): string | undefined {
    const index = tokenIndex(token);
    if (index === undefined || index > appliedIndex) return undefined;
    const entry = this.tokens.get(token);
    if (entry === undefined) return undefined;
    if (nowMs > entry.expiresAtMs) {
      this.tokens.delete(token);
      return undefined;
    }
    entry.expiresAtMs = nowMs + this.ttlMs;
    return entry.user;
  }

  /** `invalidateUser`: every token of `user` goes (the user was deleted or changed password). */
  invalidateUser(user: string): void {
    for (const [token, entry] of this.tokens) if (entry.user === user) this.tokens.delete(token);
  }

  get size(): number {
    return this.tokens.size;
  }

  private sweep(nowMs: number): void {
    for (const [token, entry] of this.tokens) if (nowMs > entry.expiresAtMs) this.tokens.delete(token);
  }
}

/**
 * The index part of a simple token as etcd reads it: exactly one '.', then Go's `strconv.Atoi`
 * (an optional sign, decimal digits, within int64). A negative index is a number Go's uint64
 * conversion makes enormous: never applied.
 */
export function tokenIndex(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const digits = parts[1]!;
  if (!/^[+-]?[0-9]+$/.test(digits)) return undefined;
  const value = BigInt(digits);
  if (value < -(1n << 63n) || value >= 1n << 63n) return undefined;
  return value < 0n ? Number.POSITIVE_INFINITY : Number(value);
}
