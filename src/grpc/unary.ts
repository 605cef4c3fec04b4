import type { sendUnaryData, ServerUnaryCall, ServerWritableStream, UntypedHandleCall } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { abortOnCancel, tokenOf } from './call-context.ts';
import { CONNECTION_LOST, errorFromStreamChunk, grpcError } from './errors.ts';
import type { Gateway } from './gateway.ts';
import type { UnaryRoute } from './routes.ts';

/**
 * A unary RPC forwarded to its gateway path: the decoded request is the JSON body as it is, the
 * JSON answer is the response as it is (see protos.ts for why the two shapes agree).
 */
export function unaryHandler(gateway: Gateway, route: UnaryRoute): UntypedHandleCall {
  return (call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) => {
    const token = tokenOf(call.metadata);
    gateway
      .call(route.path, call.request, { idempotent: route.idempotent, signal: abortOnCancel(call), ...(token === undefined ? {} : { token }) })
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(error as Error),
      );
  };
}

/**
 * A server-streaming RPC (Election.Observe, Maintenance.Snapshot) over one streaming POST: each
 * `{"result": …}` line is a message, an `{"error": …}` line ends the call with that status (the
 * grpc-gateway's stream framing, runtime/handler.go). A connection lost mid-stream ends it
 * Unavailable; a server stream is not resumed (an Observe restarts from the current leader,
 * which the client's retry gets; a snapshot must be whole).
 */
export function serverStreamHandler(gateway: Gateway, path: string): UntypedHandleCall {
  return (call: ServerWritableStream<object, object>) => {
    const token = tokenOf(call.metadata);
    const signal = abortOnCancel(call);
    let ended = false;
    const finish = (error?: Error): void => {
      if (ended) return;
      ended = true;
      if (error === undefined) call.end();
      else call.emit('error', error);
    };
    gateway.stream(path, call.request, { signal, ...(token === undefined ? {} : { token }) }).then(
      (response) => {
        let buffered = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line !== '') relay(line);
          }
        });
        response.on('end', () => {
          if (buffered.trim() !== '') relay(buffered.trim());
          finish();
        });
        response.on('aborted', () => finish(grpcError(status.UNAVAILABLE, CONNECTION_LOST)));
        response.on('error', () => finish(grpcError(status.UNAVAILABLE, CONNECTION_LOST)));
      },
      (error: Error) => finish(error),
    );
    function relay(line: string): void {
      if (ended) return;
      let chunk: { result?: object; error?: unknown };
      try {
        chunk = JSON.parse(line) as typeof chunk;
      } catch {
        finish(grpcError(status.INTERNAL, `the gateway's stream line for ${path} is not JSON`));
        return;
      }
      if (chunk.error !== undefined) finish(errorFromStreamChunk(chunk.error));
      else if (chunk.result !== undefined) call.write(chunk.result);
    }
  };
}
