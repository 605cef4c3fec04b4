import { GrpcCode, type LeaseKeepAliveRequest, type WatchRequest } from '../../server/index.ts';
import { LeaseKeepAliveRequest as KeepAliveType, LeaseKeepAliveResponse, WatchRequest as WatchRequestType, WatchResponse } from './etcd-messages.ts';
import { errorResponse, statusOf } from './grpc-status.ts';
import { decodeMessage, GatewayPanic, JsonpbError } from './jsonpb-decode.ts';
import { encodeMessage } from './jsonpb-encode.ts';
import { LineStream } from './line-stream.ts';
import { MessageReader, type Message } from './message-reader.ts';
import type { MessageType } from './proto-schema.ts';
import { DeadlineExceeded, panicResponse, withDeadline, type GatewayCall, type RouteHandler } from './unary.ts';

/** The caller's token and address, for the watch's permission checks. */
function callerContext(call: GatewayCall): { token?: string; client?: string } {
  return { ...(call.token === undefined ? {} : { token: call.token }), ...(call.client === undefined ? {} : { client: call.client }) };
}

/**
 * The gateway's two bidirectional streams, `/v3/watch` and `/v3/lease/keepalive`
 * (rpc.pb.gw.go `request_Watch_Watch_0`): the body is a sequence of JSON requests, read as they
 * arrive; the answer is a sequence of lines. The first request is decoded before the gRPC stream
 * opens, and a bad one is the whole answer, with code Unknown (500: grpc-gateway does not wrap
 * that decode error in a status). A later request that does not decode silently ends the
 * sending side (the goroutine that reads the body stops), and what was opened keeps answering.
 */

type First = { request: Record<string, unknown> | undefined } | { response: Response };

/** The first message of a bidirectional stream; `request` undefined for an empty body. */
async function firstRequest(reader: MessageReader, type: MessageType): Promise<First> {
  const first = await reader.next();
  if ('error' in first) return { response: errorResponse(GrpcCode.Unknown, first.error, false) };
  if ('eof' in first) return { request: undefined };
  const decoded = decodeOrStop(type, first);
  if (decoded instanceof Response) return { response: decoded };
  return { request: decoded };
}

/** A later message: the request, or undefined when the sending side stops here. */
function decodeOrStop(type: MessageType, message: Message): Record<string, unknown> | Response | undefined {
  if (!('value' in message)) return undefined;
  try {
    return decodeMessage(type, message.value);
  } catch (error) {
    if (error instanceof JsonpbError) return errorResponse(GrpcCode.Unknown, error.message, false);
    if (error instanceof GatewayPanic) return panicResponse();
    throw error;
  }
}

/** Feeds each later request to `send` until the body ends or one does not decode. */
async function pump(reader: MessageReader, type: MessageType, send: (request: Record<string, unknown>) => Promise<void> | void, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    const decoded = decodeOrStop(type, await reader.next());
    if (decoded === undefined || decoded instanceof Response) return;
    await send(decoded);
  }
}

/** What a bidirectional stream answers for its first message when that does not decode (undefined when it does). */
export async function refuseFirstMessage(call: GatewayCall, type: MessageType): Promise<Response | undefined> {
  const reader = new MessageReader(call.body);
  const first = await firstRequest(reader, type);
  reader.cancel();
  return 'response' in first ? first.response : undefined;
}

/** A deadline from `Grpc-Timeout` ends a stream with DeadlineExceeded. */
function armDeadline(lines: LineStream, call: GatewayCall, stop: () => void): void {
  if (call.timeoutMs === undefined) return;
  withDeadline(new Promise<never>(() => undefined), call.timeoutMs).catch((error: DeadlineExceeded) => {
    lines.fail(error.code, error.message);
    stop();
  });
}

/**
 * `/v3/watch`: one member watch stream for the whole request. A request with nothing set (`{}`)
 * is passed over, as etcd's watch server does; the stream lasts until the client goes away.
 */
export const watchRoute: RouteHandler = async (call) => {
  const reader = new MessageReader(call.body);
  const first = await firstRequest(reader, WatchRequestType);
  if ('response' in first) return first.response;
  const lines = new LineStream();
  const stream = call.api.watch((response) => lines.result(encodeMessage(WatchResponse, response as unknown as Record<string, unknown>)), callerContext(call));
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    stream.close();
    reader.cancel();
    lines.end();
  };
  lines.onCancel = close;
  call.signal?.addEventListener('abort', close, { once: true });
  armDeadline(lines, call, close);
  const send = (request: Record<string, unknown>): void => {
    if (!closed && Object.keys(request).length > 0) stream.send(request as unknown as WatchRequest);
  };
  if (first.request !== undefined) {
    send(first.request);
    void pump(reader, WatchRequestType, send, () => closed);
  }
  return lines.response(call.signal);
};

/**
 * `/v3/lease/keepalive`: each request renews once and answers once, in order. The stream ends
 * when the body does (etcd's keep-alive server returns at the end of its input), or with an
 * error line when a renewal fails. An empty body is an empty 200 at once, without metadata.
 */
export const keepAliveRoute: RouteHandler = async (call) => {
  const reader = new MessageReader(call.body);
  const first = await firstRequest(reader, KeepAliveType);
  if ('response' in first) return first.response;
  const lines = new LineStream();
  if (first.request === undefined) {
    lines.end();
    return lines.response(call.signal, false);
  }
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    reader.cancel();
  };
  lines.onCancel = stop;
  call.signal?.addEventListener('abort', stop, { once: true });
  armDeadline(lines, call, stop);
  const renew = async (request: Record<string, unknown>): Promise<void> => {
    try {
      const response = await call.api.leaseKeepAlive(request as unknown as LeaseKeepAliveRequest);
      if (!stopped) lines.result(encodeMessage(LeaseKeepAliveResponse, response as unknown as Record<string, unknown>));
    } catch (error) {
      const { code, message } = statusOf(error);
      lines.fail(code, message);
      stop();
    }
  };
  void (async () => {
    await renew(first.request!);
    await pump(reader, KeepAliveType, renew, () => stopped);
    lines.end();
  })();
  return lines.response(call.signal);
};

/**
 * A server-streaming route (Observe, Snapshot): the one request decodes as a unary one does
 * (400 when it does not), then `produce` writes lines until it returns or the client goes away.
 */
export function serverStream(
  requestType: MessageType,
  produce: (request: Record<string, unknown>, lines: LineStream, call: GatewayCall, signal: AbortSignal) => Promise<void>,
): RouteHandler {
  return async (call) => {
    const reader = new MessageReader(call.body);
    const first = await reader.next();
    reader.cancel();
    if ('error' in first) return errorResponse(GrpcCode.InvalidArgument, first.error, false);
    let request: Record<string, unknown>;
    try {
      request = decodeMessage(requestType, 'value' in first ? first.value : { kind: 'null' });
    } catch (error) {
      if (error instanceof JsonpbError) return errorResponse(GrpcCode.InvalidArgument, error.message, false);
      if (error instanceof GatewayPanic) return panicResponse();
      throw error;
    }
    const lines = new LineStream();
    const done = new AbortController();
    const stop = (): void => done.abort();
    lines.onCancel = stop;
    call.signal?.addEventListener('abort', stop, { once: true });
    armDeadline(lines, call, stop);
    produce(request, lines, call, done.signal).then(
      () => lines.end(),
      (error: unknown) => {
        const { code, message } = statusOf(error);
        lines.fail(code, message);
      },
    );
    return lines.response(call.signal);
  };
}
