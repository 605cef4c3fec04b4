import { toBase64 } from '../model/bytes.ts';
import type { V3Event } from '../model/v3-key-tree.ts';
import { currentV3Token, v3Request } from './http.ts';
import { ALL_KEYS, parseWatchLine, type WatchMessage } from './v3-gateway.ts';

const RECONNECT_MS = 250;

/** How the watch reaches the gateway's `/v3/watch`. */
export type WatchTransport = 'websocket' | 'post';

export interface V3WatchHandlers {
  /** A watch response's events, in order, with its header revision. */
  onEvents(events: V3Event[], revision: number): void;
  /** The watch was created: the console is live. */
  onLive(): void;
  /** The history needed to resume is compacted: the console must load again. */
  onLost(compactRevision: number): void;
}

/**
 * One watch of every key from `fromRevision`, over the gateway's WebSocket (etcd's wsproxy: each
 * message a request line, each answer line a message) or, when a v3 token must go along (a
 * browser WebSocket cannot carry an `Authorization` header), over a streamed POST. When the
 * stream ends (its member was reset, leadership moved) it is opened again after the last event
 * seen. Returns the function that stops it.
 */
export function watchAllKeys(fromRevision: number, handlers: V3WatchHandlers, transport?: WatchTransport): () => void {
  let next = fromRevision;
  let stopped = false;
  let closeCurrent: (() => void) | undefined;

  const createRequest = (): string =>
    JSON.stringify({ create_request: { key: toBase64(ALL_KEYS.key), range_end: toBase64(ALL_KEYS.rangeEnd), start_revision: String(next) } });

  /** One answer line; false when this stream is done with (reopened unless stopped). */
  const onLine = (line: string): boolean => {
    const message: WatchMessage = parseWatchLine(line);
    switch (message.kind) {
      case 'created':
        handlers.onLive();
        return true;
      case 'events': {
        const last = message.events[message.events.length - 1];
        // A catch-up batch may end before the header's revision: resume after its last event.
        if (last !== undefined) next = Math.max(next, last.kv.modRevision + 1);
        if (message.events.length > 0) handlers.onEvents(message.events, message.revision);
        return true;
      }
      case 'compacted':
        stopped = true;
        handlers.onLost(message.compactRevision);
        return false;
      case 'canceled':
        return false;
      case 'error':
        return true;
    }
  };

  const reopen = (): void => {
    closeCurrent = undefined;
    if (!stopped) setTimeout(connect, RECONNECT_MS);
  };

  const connect = (): void => {
    if (stopped) return;
    const useSocket = (transport ?? (currentV3Token() === undefined ? 'websocket' : 'post')) === 'websocket';
    closeCurrent = useSocket ? overWebSocket(createRequest(), onLine, reopen) : overPost(createRequest(), onLine, reopen);
  };

  connect();
  return () => {
    stopped = true;
    closeCurrent?.();
  };
}

function overWebSocket(request: string, onLine: (line: string) => boolean, ended: () => void): () => void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v3/watch`;
  const socket = new WebSocket(url);
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    ended();
  };
  socket.addEventListener('open', () => socket.send(request));
  socket.addEventListener('message', (event: MessageEvent) => {
    if (!onLine(String(event.data))) {
      socket.close();
      finish();
    }
  });
  socket.addEventListener('close', finish);
  socket.addEventListener('error', finish);
  return () => {
    done = true;
    socket.close();
  };
}

function overPost(request: string, onLine: (line: string) => boolean, ended: () => void): () => void {
  const abort = new AbortController();
  let closedByCaller = false;
  void (async () => {
    try {
      const response = await v3Request('/v3/watch', JSON.parse(request), { signal: abort.signal });
      if (response.body !== null) {
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffered = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffered += value;
          for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line !== '' && !onLine(line)) {
              abort.abort();
              ended();
              return;
            }
          }
        }
      }
    } catch {
      // aborted, or the stream broke: reopened below unless stopped
    }
    if (!closedByCaller) ended();
  })();
  return () => {
    closedByCaller = true;
    abort.abort();
  };
}
