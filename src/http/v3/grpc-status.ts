import { GrpcCode, RpcError } from '../../server/index.ts';
import { StreamError } from './etcd-messages.ts';
import { encodeMessage, goString } from './jsonpb-encode.ts';

/**
 * How grpc-gateway 1.x (runtime/errors.go, handler.go) answers with a gRPC status, as etcd
 * 3.4.23's binary shows it: `HTTPStatusFromCode`, the error body
 * `{"error":msg,"message":msg,"code":N}`, a stream's `{"error":{...}}` line, and the headers
 * that come with each.
 */

/** grpc-gateway's `HTTPStatusFromCode`. */
export function httpStatusFromCode(code: GrpcCode): number {
  return HTTP_STATUS[code] ?? 500;
}

const HTTP_STATUS: Record<number, number> = {
  [GrpcCode.OK]: 200,
  [GrpcCode.Canceled]: 408,
  [GrpcCode.Unknown]: 500,
  [GrpcCode.InvalidArgument]: 400,
  [GrpcCode.DeadlineExceeded]: 504,
  [GrpcCode.NotFound]: 404,
  [GrpcCode.AlreadyExists]: 409,
  [GrpcCode.PermissionDenied]: 403,
  [GrpcCode.Unauthenticated]: 401,
  [GrpcCode.ResourceExhausted]: 429,
  [GrpcCode.FailedPrecondition]: 412,
  [GrpcCode.Aborted]: 409,
  [GrpcCode.OutOfRange]: 400,
  [GrpcCode.Unimplemented]: 501,
  [GrpcCode.Internal]: 500,
  [GrpcCode.Unavailable]: 503,
  [GrpcCode.DataLoss]: 500,
};

/** Go's `http.StatusText` for the statuses a gRPC code maps to. */
export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** What a successful answer carries: the gRPC server's response header, as grpc-gateway forwards it. */
export const GRPC_METADATA = ['Grpc-Metadata-Content-Type', 'application/grpc'] as const;

/** A gRPC status as the gateway sees one: an etcd error passes its code; anything else is Unknown. */
export function statusOf(error: unknown): { code: GrpcCode; message: string } {
  if (error instanceof RpcError) return { code: error.code, message: error.message };
  return { code: GrpcCode.Unknown, message: error instanceof Error ? error.message : String(error) };
}

/** The error body (errorBody through jsonpb: an empty message or a zero code is left out). */
export function errorBody(code: GrpcCode, message: string): string {
  const parts: string[] = [];
  if (message !== '') parts.push(`"error":${goString(message)}`, `"message":${goString(message)}`);
  if (code !== 0) parts.push(`"code":${code}`);
  return `{${parts.join(',')}}`;
}

/**
 * `runtime.HTTPError`. `fromServer`: the status came back from the gRPC call, which then ended
 * in a trailers-only answer, so grpc-gateway announces the trailer it forwards
 * (`Trailer: Grpc-Trailer-Content-Type`); an error the gateway finds itself (a body it cannot
 * decode) carries no metadata. The trailer's value cannot follow: Workers responses have no
 * trailers.
 */
export function errorResponse(code: GrpcCode, message: string, fromServer: boolean): Response {
  const headers = new Headers({ 'Content-Type': 'application/json' });
  if (fromServer) headers.set('Trailer', 'Grpc-Trailer-Content-Type');
  return new Response(errorBody(code, message), { status: httpStatusFromCode(code), headers });
}

/** A stream's error line (`streamChunk(nil, err)`), newline included. */
export function streamErrorLine(code: GrpcCode, message: string): string {
  const status = httpStatusFromCode(code);
  const body = encodeMessage(StreamError, { grpcCode: code, httpCode: status, message, httpStatus: STATUS_TEXT[status] ?? '' });
  return `{"error":${body}}\n`;
}

/** A stream's result line (`streamChunk(resp, nil)`), newline included. */
export function streamResultLine(json: string): string {
  return `{"result":${json}}\n`;
}

/** Go's `http.Error`: the text and a newline, as plain text. */
export function goHttpError(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...extra },
  });
}

/**
 * grpc-go's answer for a method the member does not serve (yet): Unimplemented, "unknown service
 * etcdserverpb.KV" when the whole service is missing, "unknown method X for service Y" when one
 * method is.
 */
export function unimplemented(service: string, method?: string): RpcError {
  return new RpcError(GrpcCode.Unimplemented, method === undefined ? `unknown service ${service}` : `unknown method ${method} for service ${service}`);
}
