import { Metadata, status, type ServiceError } from '@grpc/grpc-js';

/**
 * gRPC errors as etcd 3.4 sends them. The gateway's error JSON is grpc-gateway's errorBody
 * (runtime/errors.go: DefaultHTTPError): `{"error": msg, "message": msg, "code": grpcCode}` with
 * an HTTP status derived from the code; a stream's error line is `{"error": {"grpc_code",
 * "http_code", "message", "http_status"}}` (handler.go: streamChunk). Both carry etcd's own code
 * and message (rpctypes/error.go), which is what clientv3's retry logic reads, so they are handed
 * on unchanged.
 */
export function grpcError(code: status, message: string): ServiceError {
  const error = new Error(`${status[code]}: ${message}`) as ServiceError;
  error.code = code;
  error.details = message;
  error.metadata = new Metadata();
  return error;
}

/**
 * etcd's ErrGRPCTimeoutDueToConnectionLost (rpctypes/error.go): the answer when the upstream
 * connection failed after the request may have been sent. Unavailable, but not one of the two
 * descriptions clientv3's isSafeRetryMutableRPC (clientv3/retry.go) retries a write on, so a
 * client does not blindly repeat a write that may have been applied.
 */
export const CONNECTION_LOST = 'etcdserver: request timed out, possibly due to connection lost';

/**
 * Whether a stream's upstream error is one a new stream cures: Unavailable (no leader, the member
 * stopping) is, except etcd's ErrGPRCNotSupportedForLearner: a learner refuses every stream until
 * it is promoted, and etcd hands that to the client (etcdctl's keep-alive fails at once).
 */
export function curedByNewStream(failure: ServiceError): boolean {
  return failure.code === status.UNAVAILABLE && failure.details !== 'etcdserver: rpc not supported for learner';
}

/** The upstream was never reached (grpc-go's wording for a failed dial). */
export function dialFailed(target: string, cause: string): ServiceError {
  return grpcError(status.UNAVAILABLE, `connection error: desc = "transport: Error while dialing dial tcp ${target}: ${cause}"`);
}

/** HTTP status → gRPC code, for answers that carry no gRPC code (grpc's http-grpc-status-mapping.md). */
function codeFromHttpStatus(httpStatus: number): status {
  switch (httpStatus) {
    case 400:
      return status.INTERNAL;
    case 401:
      return status.UNAUTHENTICATED;
    case 403:
      return status.PERMISSION_DENIED;
    case 404:
      return status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return status.UNAVAILABLE;
    default:
      return status.UNKNOWN;
  }
}

/** The error a non-2xx gateway answer stands for. */
export function errorFromGatewayAnswer(httpStatus: number, body: string, path: string): ServiceError {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown; error?: unknown };
    if (typeof parsed.code === 'number' && typeof parsed.message === 'string') return grpcError(parsed.code as status, parsed.message);
    // A stream's failure before its first message is one `{"error": {...}}` line (StreamError).
    if (typeof parsed.error === 'object' && parsed.error !== null) return errorFromStreamChunk(parsed.error);
  } catch {
    // Not the gateway's JSON (a proxy's error page, Go's "404 page not found"): fall through.
  }
  if (httpStatus === 404) return grpcError(status.UNIMPLEMENTED, `the v3 gateway does not serve ${path}`);
  const text = body.trim().slice(0, 200);
  return grpcError(codeFromHttpStatus(httpStatus), `gateway answered ${httpStatus}${text === '' ? '' : `: ${text}`}`);
}

/** A stream's `{"error": {...}}` line (grpc-gateway's StreamError). */
export function errorFromStreamChunk(error: unknown): ServiceError {
  const e = (error ?? {}) as { grpc_code?: unknown; message?: unknown };
  const code = typeof e.grpc_code === 'number' ? (e.grpc_code as status) : status.UNKNOWN;
  return grpcError(code, typeof e.message === 'string' ? e.message : 'stream error');
}
