import { ServerCredentials } from '@grpc/grpc-js';
import net from 'node:net';
import { Duplex } from 'node:stream';
import type { EtcdGrpcServer } from './server.ts';
import { createTLSServer, type ClientTLS } from './tls-listener.ts';

/** What every HTTP/2 connection opens with (RFC 9113 §3.4): gRPC's, since gRPC is HTTP/2. */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface SniffingListener {
  port: number;
  close(): Promise<void>;
}

/**
 * One public port serving both APIs, as etcd's client port does (etcd splits it with cmux by the
 * same test: embed/serve.go matches the HTTP/2 preface). The first bytes of each connection
 * decide: the HTTP/2 client preface goes to the gRPC server (grpc-js's connection injector takes
 * the connection, the sniffed bytes replayed in front), anything else is piped byte for byte to
 * `httpTarget` (Miniflare's workerd socket), keep-alive and all. HTTP/1.x request lines differ
 * from the preface within the first two bytes ("PUT"/"POST" vs "PRI"), so a plain request waits
 * for nothing.
 */
export async function listenSniffing(options: {
  host: string;
  port: number;
  grpc: EtcdGrpcServer;
  httpTarget: { host: string; port: number };
  /** Serve HTTPS (and gRPC over TLS): connections are decrypted here, then sniffed as plaintext. */
  tls?: ClientTLS;
  /** Told of each refused TLS handshake, as etcd logs "rejected connection from ...". */
  onRejected?: (message: string) => void;
}): Promise<SniffingListener> {
  const injector = options.grpc.server.createConnectionInjector(ServerCredentials.createInsecure());
  const sockets = new Set<net.Socket>();
  const serve = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, HTTP2_PREFACE.length);
      const isPreface = seen.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
      if (isPreface && seen.length < HTTP2_PREFACE.length) return;
      socket.off('data', onData);
      socket.pause();
      if (isPreface) {
        injector.injectConnection(new ReplayedSocket(socket, seen));
      } else {
        pipeTo(socket, seen, options.httpTarget, sockets);
      }
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  };
  const server = options.tls === undefined ? net.createServer({ noDelay: true }, serve) : createTLSServer(options.tls, serve, options.onRejected);
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => resolvePromise());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const socket of sockets) socket.destroy();
      injector.destroy();
      await closed;
    },
  };
}

function pipeTo(client: net.Socket, head: Buffer, target: { host: string; port: number }, sockets: Set<net.Socket>): void {
  const upstream = net.connect({ host: target.host, port: target.port, noDelay: true });
  sockets.add(upstream);
  upstream.once('close', () => sockets.delete(upstream));
  upstream.write(head);
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
  // Either side closing or failing closes the other, as one connection would.
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.on('close', () => upstream.destroy());
}

/**
 * The socket as a stream whose first bytes are the ones already read. `socket.unshift()` is not
 * enough: Node's HTTP/2 session reads a net.Socket's handle natively, below the stream, and never
 * sees bytes unshifted into it (tried: clients got GOAWAY, "the connection is draining"), whereas
 * a plain Duplex is read through its stream interface.
 */
class ReplayedSocket extends Duplex {
  constructor(private readonly socket: net.Socket, head: Buffer) {
    super();
    this.push(head);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (error) => this.destroy(error));
    socket.resume();
  }

  /** grpc-js names a call's peer by these (getPeer). */
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
