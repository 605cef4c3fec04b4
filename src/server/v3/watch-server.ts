import { marshalKeyValue, WatchStream, type Event, type WatchStreamResponse } from '../../mvcc/index.ts';
import type { V3WatchStream } from './api.ts';
import type * as pb from './rpc.ts';
import type { V3Host } from './v3-server.ts';

/** A watch stream that also takes the host's periodic progress tick. */
export interface ServedWatchStream extends V3WatchStream {
  progressTick(): void;
}

/**
 * A client's watch stream (etcd's v3rpc `serverWatchStream`, etcdserver/api/v3rpc/watch.go) over
 * the store's `WatchStream`, which does the create/cancel/progress protocol: this adds what the
 * transport layer of etcd adds, the full response header and `fragment` splitting.
 */
export function openWatchStream(
  host: V3Host,
  onResponse: (response: pb.WatchResponse) => void,
  onClose?: () => void,
  refusal?: (create: pb.WatchCreateRequest) => string | undefined,
): ServedWatchStream {
  const fragmented = new Set<number>();
  const send = (r: WatchStreamResponse): boolean => {
    const response: pb.WatchResponse = {
      header: host.header(r.revision),
      watchId: r.watchId,
      created: r.created,
      canceled: r.canceled,
      compactRevision: r.compactRevision,
      cancelReason: r.cancelReason,
      fragment: false,
      events: r.events,
    };
    if (fragmented.has(r.watchId)) for (const part of fragments(response, host.maxRequestBytes)) onResponse(part);
    else onResponse(response);
    return true;
  };
  const stream = new WatchStream(host.kv, send);
  return {
    send(request: pb.WatchRequest): void {
      if ('createRequest' in request) {
        const c = request.createRequest;
        // etcd checks a watch's keys before it creates it, and answers a refusal as a created and
        // cancelled watch with no ID (-1) and the reason (v3rpc/watch.go `recvLoop`).
        const refused = refusal?.(c);
        if (refused !== undefined) {
          onResponse({ header: host.header(host.kv.rev()), watchId: -1, created: true, canceled: true, compactRevision: 0, cancelReason: refused, fragment: false, events: [] });
          return;
        }
        const id = stream.create(c);
        if (c.fragment && id >= 0) fragmented.add(id);
      } else if ('cancelRequest' in request) {
        if (stream.cancel(request.cancelRequest.watchId)) fragmented.delete(request.cancelRequest.watchId);
      } else {
        stream.requestProgress();
      }
    },
    progressTick: () => stream.progressTick(),
    close(): void {
      stream.close();
      onClose?.();
    },
  };
}

/**
 * etcd's `sendFragments`: a response at or over the limit with two or more events goes out in
 * parts, each as large as fits (at least one event), all but the last marked `fragment`.
 */
export function fragments(response: pb.WatchResponse, maxBytes: number): pb.WatchResponse[] {
  if (response.events.length < 2 || responseSize(response) < maxBytes) return [response];
  const parts: pb.WatchResponse[] = [];
  let current: Event[] = [];
  for (const event of response.events) {
    current.push(event);
    if (current.length > 1 && responseSize({ ...response, events: current, fragment: true }) >= maxBytes) {
      current.pop();
      parts.push({ ...response, events: current, fragment: true });
      current = [event];
    }
  }
  parts.push({ ...response, events: current, fragment: false });
  return parts;
}

/** The protobuf size of a watch response (the bytes `wr.Size()` counts), for fragmenting. */
function responseSize(r: pb.WatchResponse): number {
  let size = 64; // header, IDs and flags: a few dozen bytes at most
  for (const e of r.events) {
    const kv = marshalKeyValue(e.kv).length;
    const prev = e.prevKv === undefined ? 0 : marshalKeyValue(e.prevKv).length + 4;
    size += kv + prev + 8;
  }
  return size + r.cancelReason.length;
}
