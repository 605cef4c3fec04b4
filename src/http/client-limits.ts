/**
 * The front door's bounds on what one client may send (pure: the caller passes the clock).
 * etcd has neither: its own answer to a huge body is Go's form limit (v2, 10 MiB) or
 * `--max-request-bytes` (v3, 1.5 MiB), both answered by the member; these come first so a body
 * far past either is refused before it is buffered or forwarded.
 */

/** Above v2's 10 MiB form limit, so etcd's own `http: POST too large` answer stays the member's. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A body declared (Content-Length) larger than `max`: refuse it unread. */
export function bodyTooLarge(contentLength: string | null, max = MAX_BODY_BYTES): boolean {
  if (contentLength === null) return false;
  const length = Number(contentLength);
  return Number.isFinite(length) && length > max;
}

export interface RateLimit {
  /** Tokens added per second (sustained requests per second). */
  ratePerSecond: number;
  /** Bucket size (the burst a client may send at once). */
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * A token bucket per client. The map is bounded: past `maxClients` the buckets that have refilled
 * (clients not limited now) are dropped, which forgets nothing a limit depends on.
 */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxClients = 10_000,
  ) {}

  /** 0 to go on (one token taken), else the whole seconds until a token is there (Retry-After). */
  take(client: string, nowMs: number): number {
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxClients) this.dropFull(nowMs);
      bucket = { tokens: this.limit.burst, updatedMs: nowMs };
      this.buckets.set(client, bucket);
    } else {
      this.refill(bucket, nowMs);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.ratePerSecond));
  }

  get clients(): number {
    return this.buckets.size;
  }

  private refill(bucket: Bucket, nowMs: number): void {
    const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + elapsed * this.limit.ratePerSecond);
    bucket.updatedMs = nowMs;
  }

  private dropFull(nowMs: number): void {
    for (const [client, bucket] of this.buckets) {
      this.refill(bucket, nowMs);
      if (bucket.tokens >= this.limit.burst) this.buckets.delete(client);
    }
    // All busy: drop the oldest (Map order is insertion order) rather than grow without bound.
    if (this.buckets.size >= this.maxClients) {
      const oldest = this.buckets.keys().next();
      if (oldest.done !== true) this.buckets.delete(oldest.value);
    }
  }
}

/**
 * `RATE_LIMIT` as `rate/burst` (e.g. `500/1000`), or `off`. Unset: 1,000 requests a second, bursts
 * of 2,000, per client: far above one etcd client's traffic, so benchmarks are unaffected.
 */
export function parseRateLimit(text: string | undefined): RateLimit | undefined {
  const fallback: RateLimit = { ratePerSecond: 1000, burst: 2000 };
  if (text === undefined || text.trim() === '') return fallback;
  if (text.trim() === 'off') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) return fallback;
  const ratePerSecond = Number(match[1]);
  const burst = Number(match[2]);
  return ratePerSecond > 0 && burst >= 1 ? { ratePerSecond, burst } : fallback;
}
