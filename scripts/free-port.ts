import { createServer } from 'node:net';

/**
 * Loopback ports 32768-60999 are Linux's ephemeral range: a port picked there can be held by a
 * closed outgoing connection for up to 60 s. Test servers therefore take ports below it.
 */
const LOW = 10_000;
const HIGH = 32_767;
const taken = new Set<number>();
/** Ports the Fetch standard blocks ("bad ports"): Node's fetch refuses them. The only one in range. */
const FETCH_BAD_PORTS = new Set([10_080]);

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

/** A port on 127.0.0.1 below the ephemeral range that nothing listens on right now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (taken.has(port) || FETCH_BAD_PORTS.has(port)) continue;
    if (await canBind(port, host)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found below 32768');
}
