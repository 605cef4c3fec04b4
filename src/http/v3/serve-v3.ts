import { requestTarget } from '../serve-mux.ts';
import { clientAddress } from '../v2/basic-auth.ts';
import { REQUEST_ID_HEADER } from '../v2/keys-handler.ts';
import type { V3GatewayApi } from './gateway-api.ts';
import { serveGatewayMux, type GatewayOptions } from './gateway-mux.ts';
import { forwardedHeaders, isWebSocketUpgrade, proxyWebSocket, refuseHandshake, type GatewaySocket } from './websocket-proxy.ts';

/**
 * The v3 gateway as etcd 3.4's HTTP stack serves it (embed/serve.go): its access controller
 * rewrites a `/v3beta/` prefix to `/v3/` first (so `/v3beta/kv/range` is `/v3/kv/range`, while
 * `/v3alpha/...` and `/v3beta` itself are not the gateway's); Go's ServeMux, which has the gateway
 * on the subtree `/v3/`, redirects `/v3` there; a WebSocket upgrade goes through wsproxy.
 */

/** The paths the gateway answers (before the rewrite). */
export function isV3Path(path: string): boolean {
  return path === '/v3' || path.startsWith('/v3/') || path.startsWith('/v3beta/');
}

/** What the platform offers for WebSockets: workerd's `WebSocketPair` (absent in Node). */
interface SocketPairConstructor {
  new (): { 0: GatewaySocket & { accept(): void }; 1: GatewaySocket & { accept(): void } };
}

export async function handleV3(request: Request, path: string, api: V3GatewayApi | undefined, options: GatewayOptions): Promise<Response> {
  const gatewayPath = path.startsWith('/v3beta/') ? `/v3/${path.slice('/v3beta/'.length)}` : path;
  if (gatewayPath === '/v3') return subtreeRedirect(request);
  if (isWebSocketUpgrade(request.headers)) return upgrade(request, gatewayPath, api, options);
  return serveGatewayMux(request, gatewayPath, api, options);
}

/** ServeMux's redirect of a subtree's root without its slash (301; query kept; a note for GET). */
function subtreeRedirect(request: Request): Response {
  // The raw query, as sent (`new URL` would re-escape it).
  const { search } = requestTarget(request.url);
  const location = `/v3/${search === '?' ? '' : search}`;
  const headers = new Headers({ Location: location });
  if (request.method === 'GET' || request.method === 'HEAD') headers.set('Content-Type', 'text/html; charset=utf-8');
  const body = request.method === 'GET' ? `<a href="${htmlEscape(location)}">Moved Permanently</a>.\n\n` : null;
  return new Response(body, { status: 301, headers });
}

/** Go's `htmlEscape` in net/http. */
function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}

/**
 * The handshake and the socket (in a member: workerd's `WebSocketPair`, the member holds the
 * server end). The request behind the socket is a POST to the same path (wsproxy's mutator).
 */
function upgrade(request: Request, path: string, api: V3GatewayApi | undefined, options: GatewayOptions): Response {
  const refused = refuseHandshake(request);
  if (refused !== undefined) return refused;
  const Pair = (globalThis as { WebSocketPair?: SocketPairConstructor }).WebSocketPair;
  if (Pair === undefined) return new Response('WebSockets need the Workers runtime\n', { status: 501 });
  const pair = new Pair();
  const client = pair[0];
  const server = pair[1];
  server.accept();
  // The inner request has only the headers wsproxy forwards; the client is the socket's.
  const caller = options.client ?? clientAddress(request);
  const serve = (inner: Request): Promise<Response> => serveGatewayMux(inner, path, api, { now: options.now, client: caller });
  proxyWebSocket(server, request.url, forwardedHeaders(request.headers), serve);
  const headers = new Headers();
  // wsproxy answers a `Bearer` subprotocol in kind.
  if ((request.headers.get('Sec-WebSocket-Protocol') ?? '').startsWith('Bearer')) headers.set('Sec-WebSocket-Protocol', 'Bearer');
  return new Response(null, { status: 101, headers, webSocket: client } as ResponseInit);
}

/**
 * The member's entry (client-handler.ts): the V3Api its server offers (`server.v3` once the v3
 * server lands; until then none, and every call is Unimplemented) and the front door's request ID.
 */
export function serveV3(request: Request, path: string, context: { server: object; now(): number }): Promise<Response> {
  const api = (context.server as { v3?: V3GatewayApi }).v3;
  const requestId = request.headers.get(REQUEST_ID_HEADER);
  return handleV3(request, path, api, { now: () => context.now(), ...(requestId === null ? {} : { requestId }) });
}
