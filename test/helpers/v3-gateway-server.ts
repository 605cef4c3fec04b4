import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { WebSocketServer } from 'ws';
import { freePort } from '../../scripts/free-port.ts';
import { setServedHeaders, VERSION } from '../../src/http/index.ts';
import { forwardedHeaders, handleV3, isV3Path, proxyWebSocket, serveGatewayMux, type GatewaySocket, type V3GatewayApi } from '../../src/http/v3/index.ts';

/**
 * edgecd's v3 gateway served from Node on loopback, in front of any V3Api (in the tests: a real
 * etcd, see v3-etcd-api.ts), with what a member adds to every answer (CORS, Date) and its
 * `/version`. Node has no
 * `WebSocketPair`, so upgrades are accepted here with `ws` and run through the same wsproxy code
 * the member runs.
 */
export interface GatewayServer {
  url: string;
  stop(): Promise<void>;
}

export async function startGatewayServer(api: V3GatewayApi | undefined): Promise<GatewayServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sockets = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => void serve(req, res, api, url));
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const gatewayPath = path.startsWith('/v3beta/') ? `/v3/${path.slice(8)}` : path;
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const headers = headersOf(req);
      proxyWebSocket(ws as unknown as GatewaySocket, `${url}${req.url ?? '/'}`, forwardedHeaders(headers), (inner) => serveGatewayMux(inner, gatewayPath, api, { now: Date.now }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

async function serve(req: IncomingMessage, res: ServerResponse, api: V3GatewayApi | undefined, base: string): Promise<void> {
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(`${base}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers: headersOf(req),
    signal: aborted.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
  const path = decodeURIComponent(new URL(request.url).pathname);
  let response: Response;
  if (request.method === 'OPTIONS') response = new Response(null, { status: 200 });
  else if (isV3Path(path)) response = await handleV3(request, path, api, { now: Date.now });
  // What a member answers there too (Patroni reads it to pick the gateway's prefix).
  else if (path === '/version') response = new Response(JSON.stringify(VERSION), { headers: { 'Content-Type': 'application/json' } });
  else response = new Response('404 page not found\n', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
  const headers = new Headers(response.headers);
  setServedHeaders(headers);
  res.writeHead(response.status, Object.fromEntries(headers));
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  aborted.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      res.write(chunk.value);
    }
  } catch {
    // the client left
  }
  res.end();
}
