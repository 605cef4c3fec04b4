import type { ServerResponse } from '../../server/index.ts';
import type { Event, Watcher } from '../../store/index.ts';
import { jsonBody } from '../responses.ts';
import { eventJSON } from './render.ts';

/**
 * One event goes to every watcher of its key as the same object: its body is built (prefix
 * trimmed, JSON encoded) once, not once per watcher.
 */
const bodies = new WeakMap<Event, string>();

function eventBody(event: Event): string {
  let body = bodies.get(event);
  if (body === undefined) {
    body = jsonBody(eventJSON(event));
    bodies.set(event, body);
  }
  return body;
}

/**
 * etcd's `handleKeyWatch`: status and headers go out as soon as the watcher is registered
 * (`X-Etcd-Index` is the index the watch started at), then one event, or with `stream=true`
 * every event until the client goes away or the watcher is dropped.
 *
 * A client that goes away aborts `signal` (and cancels the body) where the platform reports it
 * (`enable_request_signal`); the local workerd does not, so there a one-shot watcher whose client
 * left is dropped at its next event, and a stream watcher when its 100-event buffer overflows.
 */
export function renderWatch(watcher: Watcher, response: ServerResponse, headers: Headers, stream: boolean, signal?: AbortSignal): Response {
  headers.set('Content-Type', 'application/json');
  headers.set('X-Etcd-Index', String(watcher.startIndex));
  headers.set('X-Raft-Index', String(response.index));
  headers.set('X-Raft-Term', String(response.term));
  const encoder = new TextEncoder();
  const stop = (): void => watcher.remove();
  signal?.addEventListener('abort', stop, { once: true });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const event = await watcher.next();
      if (event === undefined) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(eventBody(event)));
      if (!stream) {
        watcher.remove();
        controller.close();
      }
    },
    cancel: stop,
  });
  return new Response(body, { status: 200, headers });
}
