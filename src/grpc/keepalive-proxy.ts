import type { ServerDuplexStream } from '@grpc/grpc-js';
import { curedByNewStream, errorFromGatewayAnswer, errorFromStreamChunk } from './errors.ts';
import type { Gateway } from './gateway.ts';
import { tokenOf } from './call-context.ts';
import { UpstreamSocket } from './upstream-socket.ts';

/**
 * One gRPC LeaseKeepAlive stream over one upstream WebSocket to the gateway's
 * `/v3/lease/keepalive`. etcd answers keep-alives one at a time in the order they came
 * (v3rpc/lease.go: leaseKeepAlive), so the requests not yet answered are a queue; when the socket
 * goes away they are sent again on the next one. A keep-alive is idempotent (a renewal sets the
 * lease's expiry from now; a second renewal sets the same), so sending one twice is harmless, and
 * the client gets exactly one answer per request.
 */
export class KeepAliveProxy {
  private readonly upstream: UpstreamSocket;
  private unanswered: object[] = [];
  private ended = false;
  private halfClosed = false;

  constructor(private readonly call: ServerDuplexStream<object, object>, gateway: Gateway) {
    this.upstream = new UpstreamSocket(gateway, '/v3/lease/keepalive', {
      onOpen: () => {
        for (const request of this.unanswered) this.upstream.send(request);
      },
      onResult: (result) => {
        this.unanswered.shift();
        if (!this.ended) this.call.write(result);
        if (this.halfClosed && this.unanswered.length === 0) this.end();
      },
      onError: (error) => {
        const failure = errorFromStreamChunk(error);
        if (curedByNewStream(failure)) this.upstream.redial();
        else this.end(failure);
      },
      onDown: () => undefined,
      onRefused: (httpStatus) => {
        if (httpStatus >= 400 && httpStatus < 500) this.end(errorFromGatewayAnswer(httpStatus, '', '/v3/lease/keepalive'));
      },
    }, tokenOf(call.metadata));
    call.on('data', (request: object) => {
      this.unanswered.push(request);
      this.upstream.send(request);
    });
    // etcd's leaseKeepAlive returns when the client half-closes, having answered what it read:
    // the stream ends OK once the requests in flight are answered.
    call.on('end', () => {
      this.halfClosed = true;
      if (this.unanswered.length === 0) this.end();
    });
    call.on('cancelled', () => this.end());
    call.on('error', () => this.end());
  }

  private end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.upstream.close();
    if (error !== undefined) this.call.emit('error', error);
    else if (!this.call.cancelled) this.call.end();
  }
}
