import { GrpcCode, MAX_REQUEST_BYTES, RpcError } from '../../server/index.ts';
import type { V3GatewayApi } from './gateway-api.ts';
import { errorResponse, GRPC_METADATA, statusOf } from './grpc-status.ts';
import { decodeMessage, GatewayPanic, JsonpbError } from './jsonpb-decode.ts';
import { encodeMessage } from './jsonpb-encode.ts';
import { MessageReader } from './message-reader.ts';
import type { MessageType } from './proto-schema.ts';
import { protoSize } from './proto-size.ts';

/** One request as a gateway handler serves it. */
export interface GatewayCall {
  body: ReadableStream<Uint8Array> | null;
  api: V3GatewayApi;
  /** Wall time in epoch ms (a member add's ID mixes in the time). */
  now(): number;
  /** The front door's name for this request (V3Context.requestId): a retried write is not applied twice. */
  requestId?: string;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
  /** From `Grpc-Timeout`: the call fails with DeadlineExceeded after this. */
  timeoutMs?: number;
  /** The caller's auth token (see call-context.ts), when it sent one. */
  token?: string;
  /** The caller's address (the failed-login throttle counts against it). */
  client?: string;
}

export type RouteHandler = (call: GatewayCall) => Promise<Response>;

/** The typed request of a unary call, or the answer that refuses it. */
export type Decoding = { request: Record<string, unknown> } | { response: Response };

/**
 * The largest request etcd's gRPC server receives (v3rpc/grpc.go: `--max-request-bytes` plus
 * 512 KiB for gRPC's own overhead); a larger one never reaches etcd's request-size check.
 */
export const MAX_RECEIVE_BYTES = MAX_REQUEST_BYTES + 512 * 1024;

/**
 * The request message of a unary route (`marshaler.NewDecoder(req.Body).Decode(&protoReq)`):
 * the first JSON value of the body, an empty body being the empty message; what does not decode
 * is InvalidArgument with Go's text, and a message whose binary encoding is larger than the gRPC
 * server takes is ResourceExhausted (429) with grpc-go's text, as the gateway's call gets it.
 */
export async function decodeRequest(call: GatewayCall, type: MessageType): Promise<Decoding> {
  const reader = new MessageReader(call.body);
  const first = await reader.next();
  reader.cancel();
  if ('error' in first) return { response: errorResponse(GrpcCode.InvalidArgument, first.error, false) };
  try {
    const request = decodeMessage(type, 'value' in first ? first.value : { kind: 'null' });
    const size = protoSize(type, request);
    if (size > MAX_RECEIVE_BYTES) {
      return { response: errorResponse(GrpcCode.ResourceExhausted, `grpc: received message larger than max (${size} vs. ${MAX_RECEIVE_BYTES})`, true) };
    }
    return { request };
  } catch (error) {
    if (error instanceof JsonpbError) return { response: errorResponse(GrpcCode.InvalidArgument, error.message, false) };
    if (error instanceof GatewayPanic) return { response: panicResponse() };
    throw error;
  }
}

/**
 * What a client gets when etcd's gateway panics on a request (a nil message in a list): Go's
 * server recovers and closes the connection with no answer; a Worker cannot, so an empty 500.
 */
export function panicResponse(): Response {
  return new Response(null, { status: 500 });
}

/** A unary route: decode, call the member, answer the message or the member's error. */
export function unary<Req, Res>(
  requestType: MessageType,
  responseType: MessageType,
  call: (request: Req, gateway: GatewayCall) => Promise<Res>,
): RouteHandler {
  return async (gateway) => {
    const decoded = await decodeRequest(gateway, requestType);
    if ('response' in decoded) return decoded.response;
    return answer(responseType, () => call(decoded.request as Req, gateway), gateway.timeoutMs);
  };
}

/** Runs a call and renders what it gives (`ForwardResponseMessage`) or its error (`HTTPError`). */
export async function answer<Res>(responseType: MessageType, call: () => Promise<Res>, timeoutMs?: number): Promise<Response> {
  try {
    const response = await withDeadline(call(), timeoutMs);
    return new Response(encodeMessage(responseType, response as Record<string, unknown>), {
      status: 200,
      headers: { 'Content-Type': 'application/json', [GRPC_METADATA[0]]: GRPC_METADATA[1] },
    });
  } catch (error) {
    if (error instanceof DeadlineExceeded) return errorResponse(GrpcCode.DeadlineExceeded, error.message, false);
    const { code, message } = statusOf(error);
    return errorResponse(code, message, true);
  }
}

/** The gRPC client's own deadline error (no trailer from a server comes with it). */
export class DeadlineExceeded extends RpcError {
  constructor() {
    super(GrpcCode.DeadlineExceeded, 'context deadline exceeded');
  }
}

/** `promise`, or DeadlineExceeded once `timeoutMs` has passed. */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded()), Math.max(0, timeoutMs));
  });
  return Promise.race([promise, deadline]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
