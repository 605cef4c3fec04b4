/**
 * etcd's WebSocket transport for the gateway (embed/serve.go wraps the gateway in
 * tmc/grpc-websocket-proxy's `wsproxy`): a WebSocket on any `/v3/` path is turned into one
 * streamed POST to that path. Each message the client sends becomes the message's bytes and a
 * newline in the request body; each non-empty line of the answer's body becomes a text message
 * (the status and headers are not sent: a 404 arrives as the message `Not Found`). So one socket
 * on `/v3/watch` creates, cancels and asks progress of many watches; one on a unary route answers
 * its first message. When the answer ends the socket closes (etcd drops the connection without a
 * close frame, code 1006 at the client; a Worker closes it with 1000).
 */

/** The server end of a WebSocket, as the platform gives it (workerd's `WebSocket`, or `ws` in Node tests). */
export interface GatewaySocket {
  send(message: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close' | 'error', listener: () => void): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The headers wsproxy forwards: Origin and Referer; Authorization made from a `Bearer`
 * subprotocol, or from a `token` cookie (which wins), as `Bearer <token>`, which etcd 3.4 then
 * refuses as an invalid token: through etcd's own wsproxy no token reaches a watch.
 *
 * Extension (edgecd's gateway only): a `Grpc-Metadata-Token` header on the upgrade request is
 * passed on as it is, so a client that can set headers on its handshake (the gRPC server's
 * upstream socket, src/grpc) watches as its user.
 */
export function forwardedHeaders(incoming: Headers): Headers {
  const headers = new Headers();
  const protocol = incoming.get('Sec-WebSocket-Protocol');
  if (protocol !== null && protocol !== '') {
    // transformSubProtocolHeader: "Bearer, token" (or "Bearer,token") carries the token.
    const parts = protocol.split('Bearer,');
    headers.set('Authorization', parts.length < 2 ? '' : `Bearer ${parts.slice(1).join('Bearer,').trim()}`);
  }
  for (const name of ['Origin', 'Referer']) {
    const value = incoming.get(name);
    if (value !== null) headers.set(name, value);
  }
  const cookie = tokenCookie(incoming.get('Cookie'));
  if (cookie !== undefined) headers.set('Authorization', `Bearer ${cookie}`);
  const token = incoming.get('Grpc-Metadata-Token');
  if (token !== null) headers.set('Grpc-Metadata-Token', token);
  return headers;
}

/** The value of the first `token` cookie (Go's `Request.Cookie("token")`, valid values only). */
function tokenCookie(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== 'token') continue;
    let value = part.slice(eq + 1).trim();
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    // net/http's validCookieValueByte: no controls, space, '"', ',', ';' or '\\'.
    if (/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(value)) return value;
  }
  return undefined;
}

/** Runs one socket: its messages feed `serve`'s request body, `serve`'s answer feeds the socket. */
export function proxyWebSocket(socket: GatewaySocket, url: string, headers: Headers, serve: (request: Request) => Promise<Response>): void {
  const gone = new AbortController();
  let feed: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      feed = controller;
    },
  });
  const hangUp = (): void => {
    if (gone.signal.aborted) return;
    gone.abort();
    try {
      feed?.close();
    } catch {
      // already closed
    }
  };
  socket.addEventListener('message', (event) => {
    if (gone.signal.aborted) return;
    const data = event.data;
    const bytes = typeof data === 'string' ? encoder.encode(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : encoder.encode(String(data));
    try {
      feed?.enqueue(bytes);
      feed?.enqueue(encoder.encode('\n'));
    } catch {
      // The handler stopped reading (a unary route reads one message): the rest is never read.
    }
  });
  socket.addEventListener('close', hangUp);
  socket.addEventListener('error', hangUp);
  const init = { method: 'POST', headers, body, signal: gone.signal, duplex: 'half' } as RequestInit;
  void (async () => {
    try {
      const response = await serve(new Request(url, init));
      await forwardLines(response, socket, gone.signal);
    } catch {
      // The socket went away mid-answer.
    }
    hangUp();
    try {
      socket.close(1000, '');
    } catch {
      // already closed
    }
  })();
}

/** Sends each non-empty line of the body as a text message (bufio.Scanner's lines: `\r\n` or `\n`). */
async function forwardLines(response: Response, socket: GatewaySocket, gone: AbortSignal): Promise<void> {
  if (response.body === null) return;
  const reader = response.body.getReader();
  gone.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  let pending = '';
  const send = (line: string): void => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text !== '') socket.send(text);
  };
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    pending += decoder.decode(chunk.value, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      send(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  send(pending + decoder.decode());
}

/** Go's websocket.IsWebSocketUpgrade: `Connection` lists `upgrade` and `Upgrade` lists `websocket`. */
export function isWebSocketUpgrade(headers: Headers): boolean {
  return tokenListed(headers.get('Connection'), 'upgrade') && tokenListed(headers.get('Upgrade'), 'websocket');
}

function tokenListed(value: string | null, token: string): boolean {
  return (value ?? '').split(',').some((t) => t.trim().toLowerCase() === token);
}

/**
 * gorilla's `Upgrader.Upgrade` refusals before the handshake (only a GET, version 13, with a
 * key), as http.Error writes them, or undefined when the handshake may go ahead.
 */
export function refuseHandshake(request: Request): Response | undefined {
  const refuse = (status: number, text: string): Response =>
    new Response(`${text}\n`, {
      status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Sec-Websocket-Version': '13', 'X-Content-Type-Options': 'nosniff' },
    });
  if (request.method !== 'GET') return refuse(405, 'Method Not Allowed');
  if (!tokenListed(request.headers.get('Sec-WebSocket-Version'), '13')) return refuse(400, 'Bad Request');
  if ((request.headers.get('Sec-WebSocket-Key') ?? '') === '') return refuse(400, 'Bad Request');
  return undefined;
}
