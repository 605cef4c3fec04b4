import WebSocket from 'ws';
import type { Gateway } from './gateway.ts';

/**
 * One bidirectional gateway stream (etcd's wsproxy on `/v3/watch` or `/v3/lease/keepalive`):
 * each WebSocket text message is one JSON request line, each message back one
 * `{"result": …}` or `{"error": …}` line. When the socket goes away (the member reset, the leader
 * changed, the front door restarted) it is dialled again, with a backoff, until `close()`; the
 * owner re-creates its state on the new socket in `onOpen`.
 */
export class UpstreamSocket {
  private socket: WebSocket | undefined;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  /**
   * `token`: the caller's auth token, sent on every handshake as `Grpc-Metadata-Token`. etcd's
   * wsproxy passes no header but Origin and Referer on (a token through it reaches etcd as
   * `Bearer <token>`, which etcd refuses), so against a real etcd a watch is anonymous; edgecd's
   * gateway passes that header on, and the watch is its user's.
   */
  constructor(
    private readonly gateway: Gateway,
    private readonly path: string,
    private readonly handlers: UpstreamHandlers,
    private readonly token?: string,
  ) {
    this.dial();
  }

  /** True while a socket is open (messages sent now reach the upstream, or are lost with it). */
  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  send(message: object): void {
    if (this.open) this.socket!.send(JSON.stringify(message));
  }

  /** Drops the current socket and dials again (after an upstream error that a new stream cures). */
  redial(): void {
    this.socket?.terminate();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.socket?.terminate();
  }

  private dial(): void {
    if (this.closed) return;
    const headers = this.token === undefined ? {} : { 'Grpc-Metadata-Token': this.token };
    const socket = new WebSocket(this.gateway.url(this.path, 'ws'), { perMessageDeflate: false, handshakeTimeout: 5_000, headers });
    this.socket = socket;
    let alive = true;
    socket.on('open', () => {
      this.attempt = 0;
      // A peer that vanished without a FIN (a host gone, a NAT dropping state) is noticed by a
      // ping left unanswered; gorilla/websocket, under etcd's wsproxy, answers pings.
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, 10_000);
      this.handlers.onOpen();
    });
    socket.on('pong', () => (alive = true));
    socket.on('message', (data: WebSocket.RawData) => {
      alive = true;
      let parsed: { result?: object; error?: unknown };
      try {
        parsed = JSON.parse(data.toString()) as typeof parsed;
      } catch {
        return;
      }
      if (parsed.error !== undefined) this.handlers.onError(parsed.error);
      else if (parsed.result !== undefined) this.handlers.onResult(parsed.result);
    });
    socket.on('unexpected-response', (_request, response) => {
      // The upstream is there but will not upgrade (e.g. 404: no such gateway route).
      this.handlers.onRefused(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket || this.closed) return;
      this.socket = undefined;
      this.handlers.onDown();
      // 50 ms, doubling to 1 s: a restarting member is back within a few hundred ms.
      const delay = Math.min(1_000, 50 * 2 ** this.attempt);
      this.attempt++;
      this.retryTimer = setTimeout(() => this.dial(), delay);
    });
  }
}

export interface UpstreamHandlers {
  /** A socket is open: send the state to re-create. */
  onOpen(): void;
  onResult(result: object): void;
  /** An `{"error": …}` line: the upstream gRPC stream ended with that status. */
  onError(error: unknown): void;
  /** The socket went away; a new one is being dialled. */
  onDown(): void;
  /** The upstream answered the upgrade with a plain HTTP status. */
  onRefused(httpStatus: number): void;
}
