import { GrpcCode } from '../../server/index.ts';
import { parseForm } from '../v2/form.ts';
import { decodeRawStdBase64, decodeStdBase64 } from './go-base64.ts';
import { requestCaller } from './call-context.ts';
import { latin1 } from './go-json-value.ts';
import type { V3GatewayApi } from './gateway-api.ts';
import { errorResponse, goHttpError, unimplemented } from './grpc-status.ts';
import { guardLearner } from './learner-guard.ts';
import { ROUTES } from './routes.ts';
import { refuseFirstMessage } from './streams.ts';
import { decodeRequest, type GatewayCall } from './unary.ts';

export interface GatewayOptions {
  now(): number;
  requestId?: string;
  /** The client's address when the request is not the client's own (a WebSocket's inner request). */
  client?: string;
}

/**
 * grpc-gateway 1.x's `runtime.ServeMux.ServeHTTP` over etcd's routes: a path matches a route
 * exactly (the decoded path: `/v3/kv/%72ange` is `/v3/kv/range`); a last segment with a `:verb`
 * never matches (the routes have none); a known path with another method than POST is 405, an
 * unknown one 404, both as Go's `http.Error` writes them. `X-HTTP-Method-Override` on a form
 * POST changes the method (and the form parse eats the body). Then, per route,
 * `runtime.AnnotateContext` checks `Grpc-Timeout` and binary metadata headers.
 */
export async function serveGatewayMux(request: Request, path: string, api: V3GatewayApi | undefined, options: GatewayOptions): Promise<Response> {
  const segments = path.slice(1).split('/');
  if (segments[segments.length - 1]!.includes(':')) return goHttpError(404, 'Not Found');

  let method = request.method;
  let body = request.body;
  const override = request.headers.get('X-HTTP-Method-Override') ?? '';
  if (override !== '' && method === 'POST' && request.headers.get('Content-Type') === 'application/x-www-form-urlencoded') {
    method = override.toUpperCase();
    const text = ['POST', 'PUT', 'PATCH'].includes(method) ? await request.text() : null;
    const parsed = parseForm(method, new URL(request.url).search.slice(1), request.headers.get('Content-Type'), text);
    if (parsed.error !== undefined) return goHttpError(400, parsed.error);
    if (text !== null) body = null;
  }

  const route = ROUTES.get(path);
  if (route === undefined) return goHttpError(404, 'Not Found');
  if (method !== 'POST') return goHttpError(405, 'Method Not Allowed');

  const annotated = annotate(request.headers);
  if (annotated instanceof Response) return annotated;
  const caller = requestCaller(request);
  const call: GatewayCall = {
    body,
    api: api ?? (undefined as unknown as V3GatewayApi),
    now: options.now,
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
    ...(annotated.timeoutMs === undefined ? {} : { timeoutMs: annotated.timeoutMs }),
    ...(caller.token === undefined ? {} : { token: caller.token }),
    client: options.client ?? caller.client,
  };
  if (api === undefined) {
    // No v3 server on this member: the gateway still decodes, then the call finds no service.
    if (route.bidirectional) {
      const refused = await refuseFirstMessage(call, route.request);
      if (refused !== undefined) return refused;
    } else {
      const decoded = await decodeRequest(call, route.request);
      if ('response' in decoded) return decoded.response;
    }
    const missing = unimplemented(route.service);
    return errorResponse(missing.code, missing.message, true);
  }
  if (api.isLearner()) {
    const guarded = await guardLearner(route, call);
    return guarded instanceof Response ? guarded : route.handler(guarded);
  }
  return route.handler(call);
}

const UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000_001 };

/**
 * `AnnotateContext`'s refusals: a `Grpc-Timeout` it cannot read, a `Grpc-Metadata-*-Bin` header
 * that is not base64; otherwise the timeout (none for 0, as Go's `timeout != 0`).
 */
function annotate(headers: Headers): { timeoutMs?: number } | Response {
  const timeout = headers.get('Grpc-Timeout');
  let timeoutMs: number | undefined;
  if (timeout !== null && timeout !== '') {
    const unit = UNITS[timeout.slice(-1)];
    const amount = timeout.slice(0, -1);
    if (timeout.length < 2 || unit === undefined || !/^[+-]?\d+$/.test(amount) || !Number.isSafeInteger(Number(amount))) {
      return errorResponse(GrpcCode.InvalidArgument, `invalid grpc-timeout: ${timeout}`, false);
    }
    const ms = Number(amount) * unit;
    if (ms !== 0) timeoutMs = ms;
  }
  for (const [name, value] of headers) {
    const canonical = canonicalHeaderKey(name);
    if (!canonical.startsWith('Grpc-Metadata-') || !canonical.endsWith('-Bin')) continue;
    try {
      const bytes = latin1(new TextEncoder().encode(value));
      if (bytes.length % 4 === 0) decodeStdBase64(bytes);
      else decodeRawStdBase64(bytes);
    } catch (error) {
      return errorResponse(GrpcCode.InvalidArgument, `invalid binary header ${canonical}: ${(error as Error).message}`, false);
    }
  }
  return timeoutMs === undefined ? {} : { timeoutMs };
}

/** Go's `textproto.CanonicalMIMEHeaderKey` for a valid header name. */
function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
