import http from 'node:http';
import https from 'node:https';
import { status, type ServiceError } from '@grpc/grpc-js';
import { CONNECTION_LOST, dialFailed, errorFromGatewayAnswer, grpcError } from './errors.ts';

/**
 * The v3 JSON gateway at `endpoint` (etcd 3.4's grpc-gateway, or edgecd's front door): POST with
 * a JSON body, JSON back. Connections are kept alive and reused, as clientv3 keeps one.
 */
export class Gateway {
  readonly endpoint: URL;
  /** host:port, for error messages that name the target as grpc-go's do. */
  readonly target: string;
  private readonly agent: http.Agent;

  constructor(endpoint: string) {
    this.endpoint = new URL(endpoint);
    if (this.endpoint.protocol !== 'http:' && this.endpoint.protocol !== 'https:') {
      throw new Error(`the gateway endpoint must be http:// or https://, not ${endpoint}`);
    }
    const port = this.endpoint.port || (this.endpoint.protocol === 'https:' ? '443' : '80');
    this.target = `${this.endpoint.hostname}:${port}`;
    const Agent = this.endpoint.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 256 });
  }

  /** The URL of a gateway path, e.g. `/v3/kv/range`, keeping any path prefix of the endpoint. */
  url(path: string, scheme?: 'ws'): URL {
    const url = new URL(this.endpoint.pathname.replace(/\/$/, '') + path, this.endpoint);
    if (scheme === 'ws') url.protocol = this.endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
    return url;
  }

  /**
   * One unary call. `idempotent` calls that fail after the request may have reached the upstream
   * are sent once more on a fresh connection; the others are answered CONNECTION_LOST and never
   * repeated (a put, txn or grant may have been applied; Jepsen 2024 found jetcd's blind retry
   * losing updates). A request that never left (the dial failed) is safe to send again for any
   * call, so every call gets one more dial.
   */
  async call(path: string, body: object, options: CallOptions = {}): Promise<object> {
    const first = await this.post(path, body, options, false);
    if (first.kind === 'answer') return first.value;
    if (first.kind === 'error') throw first.error;
    if (options.signal?.aborted === true) throw grpcError(status.CANCELLED, 'context canceled');
    if (first.kind === 'lost' && options.idempotent !== true) throw first.error;
    const second = await this.post(path, body, options, true);
    if (second.kind === 'answer') return second.value;
    throw second.error;
  }

  /** A streaming POST (a server stream: Observe, Snapshot): the body's lines as they arrive. */
  stream(path: string, body: object, options: CallOptions = {}): Promise<http.IncomingMessage> {
    return new Promise((resolvePromise, reject) => {
      const request = this.request(path, options, false, (response) => {
        if (response.statusCode === 200) {
          resolvePromise(response);
          return;
        }
        readBody(response).then(
          (text) => reject(errorFromGatewayAnswer(response.statusCode ?? 0, text, path)),
          () => reject(grpcError(status.UNAVAILABLE, CONNECTION_LOST)),
        );
      });
      request.on('error', (error: NodeJS.ErrnoException) => reject(this.failure(request, error).error));
      request.end(JSON.stringify(body));
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private post(path: string, body: object, options: CallOptions, fresh: boolean): Promise<Outcome> {
    return new Promise((resolvePromise) => {
      const request = this.request(path, options, fresh, (response) => {
        readBody(response).then(
          (text) => {
            if (response.statusCode === 200) {
              try {
                resolvePromise({ kind: 'answer', value: JSON.parse(text) as object });
              } catch {
                resolvePromise({ kind: 'error', error: grpcError(status.INTERNAL, `the gateway's answer to ${path} is not JSON`) });
              }
            } else {
              resolvePromise({ kind: 'error', error: errorFromGatewayAnswer(response.statusCode ?? 0, text, path) });
            }
          },
          // The connection broke mid-answer: the call was applied or not, nobody knows.
          () => resolvePromise({ kind: 'lost', error: grpcError(status.UNAVAILABLE, CONNECTION_LOST) }),
        );
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (options.signal?.aborted === true) resolvePromise({ kind: 'error', error: grpcError(status.CANCELLED, 'context canceled') });
        else resolvePromise(this.failure(request, error));
      });
      request.end(JSON.stringify(body));
    });
  }

  private request(path: string, options: CallOptions, fresh: boolean, onResponse: (response: http.IncomingMessage) => void): http.ClientRequest {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    // etcd's gateway turns `Authorization` into the `authorization` metadata, which etcd's
    // AuthInfoFromCtx (auth/store.go) reads when `token` is absent.
    if (options.token !== undefined) headers.authorization = options.token;
    const send = this.endpoint.protocol === 'https:' ? https.request : http.request;
    return send(this.url(path), {
      method: 'POST',
      headers,
      // A retry takes a new connection: the kept-alive one may be the one that just failed.
      agent: fresh ? false : this.agent,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    }, onResponse);
  }

  /** Was the request possibly sent? A socket that had connected (or was reused) may have sent it. */
  private failure(request: http.ClientRequest, error: NodeJS.ErrnoException): Extract<Outcome, { kind: 'unsent' | 'lost' }> {
    const connected = request.reusedSocket || (request.socket !== null && !request.socket.connecting && request.socket.remoteAddress !== undefined);
    const neverSent = !connected && (error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' || error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH');
    if (neverSent) return { kind: 'unsent', error: dialFailed(this.target, describeDialError(error)) };
    return { kind: 'lost', error: grpcError(status.UNAVAILABLE, CONNECTION_LOST) };
  }
}

export interface CallOptions {
  /** The caller's auth token (the gRPC `token` metadata). */
  token?: string;
  /** Safe to send twice (a read). */
  idempotent?: boolean;
  /** Aborts the upstream request when the gRPC call is cancelled or its deadline passes. */
  signal?: AbortSignal;
}

type Outcome =
  | { kind: 'answer'; value: object }
  | { kind: 'error'; error: ServiceError }
  /** Never reached the upstream. */
  | { kind: 'unsent'; error: ServiceError }
  /** May have reached it. */
  | { kind: 'lost'; error: ServiceError };

function describeDialError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connect: connection refused';
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return 'lookup: no such host';
  return `connect: ${error.message}`;
}

function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    response.on('aborted', () => reject(new Error('aborted')));
    response.on('error', reject);
  });
}
