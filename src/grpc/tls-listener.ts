import net from 'node:net';
import tls from 'node:tls';

/**
 * etcd's client TLS flags (--cert-file, --key-file, --trusted-ca-file, --client-cert-auth), as
 * PEM text read by the launcher.
 */
export interface ClientTLS {
  cert: Buffer;
  key: Buffer;
  /** The CA client certificates must chain to (etcd's --trusted-ca-file). */
  ca?: Buffer;
  /** Refuse a handshake without a client certificate signed by `ca` (etcd's --client-cert-auth). */
  clientCertAuth: boolean;
}

/**
 * A server whose connections are TLS-terminated before the port's sniffer sees them, so the
 * sniffer reads plaintext exactly as on a plain port (gRPC by the HTTP/2 preface, else HTTP/1.x).
 *
 * ALPN: etcd offers `h2` and `http/1.1` and answers HTTP/2 per request (gRPC by content type,
 * everything else by its HTTP mux). Here HTTP/2 means gRPC, so `http/1.1` is chosen whenever the
 * client offers it (curl, Go's net/http in etcdctl v2, python's urllib3) and `h2` only when it is
 * all the client speaks (grpc-go in etcdctl v3, grpc-js): the same answers, over HTTP/1.1.
 *
 * A first record that is not a TLS handshake (plain HTTP to an HTTPS port) is closed without a
 * byte, as etcd 3.4 does (it logs "tls: first record does not look like a TLS handshake"). With
 * client-cert-auth a handshake without a valid client certificate fails with OpenSSL's alert
 * (TLS 1.3: "certificate required"; etcd's Go answers "bad certificate").
 */
export function createTLSServer(options: ClientTLS, onConnection: (socket: net.Socket) => void, onRejected?: (message: string) => void): net.Server {
  const server = tls.createServer(
    {
      cert: options.cert,
      key: options.key,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      requestCert: options.clientCertAuth,
      rejectUnauthorized: options.clientCertAuth,
      ALPNCallback: ({ protocols }) => (protocols.includes('http/1.1') ? 'http/1.1' : protocols.includes('h2') ? 'h2' : undefined),
      minVersion: 'TLSv1.2',
    },
    (socket) => {
      socket.setNoDelay(true);
      onConnection(socket);
    },
  );
  server.on('tlsClientError', (error: Error & { reason?: string }, socket) => {
    // OpenSSL's reason ("http request", "peer did not return a certificate"), not its multi-line trace.
    const reason = error.reason ?? error.message.split('\n')[0] ?? 'handshake failed';
    onRejected?.(`rejected connection from "${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}" (error "tls: ${reason}")`);
    socket.destroy();
  });
  return server;
}
