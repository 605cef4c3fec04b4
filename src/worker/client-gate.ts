import { ClientRateLimiter, bodyTooLarge, parseRateLimit, type RateLimit } from '../http/index.ts';

export interface ClientGateEnv {
  /** `rate/burst` per client, or `off` (src/http/client-limits.ts). */
  RATE_LIMIT?: string;
}

let limiter: { text: string | undefined; limit: RateLimit | undefined; buckets: ClientRateLimiter | undefined } | undefined;

function limiterFor(env: ClientGateEnv): ClientRateLimiter | undefined {
  if (limiter === undefined || limiter.text !== env.RATE_LIMIT) {
    const limit = parseRateLimit(env.RATE_LIMIT);
    limiter = { text: env.RATE_LIMIT, limit, buckets: limit === undefined ? undefined : new ClientRateLimiter(limit) };
  }
  return limiter.buckets;
}

/**
 * The front door's per-request bounds, before anything is read or forwarded: undefined to go on,
 * or the answer. A client is its CF-Connecting-IP, which Cloudflare's edge sets and a client cannot
 * forge there; without it (the local cluster, where every client is on loopback) requests are not
 * rate limited, as etcd limits none. Buckets are per isolate: Cloudflare spreads a busy client
 * over few isolates, so the bound a client meets is a small multiple of the configured one.
 */
export function gateClient(request: Request, env: ClientGateEnv, nowMs: number): Response | undefined {
  if (bodyTooLarge(request.headers.get('Content-Length'))) {
    return new Response(JSON.stringify({ message: 'request body too large' }), { status: 413, headers: { 'Content-Type': 'application/json' } });
  }
  const client = request.headers.get('CF-Connecting-IP');
  if (client === null || client === '') return undefined;
  const wait = limiterFor(env)?.take(client, nowMs) ?? 0;
  if (wait === 0) return undefined;
  return new Response(JSON.stringify({ message: 'too many requests' }), {
    status: 429,
    headers: { 'Content-Type': 'application/json', 'Retry-After': String(wait) },
  });
}
