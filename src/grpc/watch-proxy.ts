import type { ServerDuplexStream } from '@grpc/grpc-js';
import { curedByNewStream, errorFromGatewayAnswer, errorFromStreamChunk } from './errors.ts';
import { fragments } from './fragment.ts';
import type { Gateway } from './gateway.ts';
import { watchResponseSize } from './protos.ts';
import { tokenOf } from './call-context.ts';
import { UpstreamSocket } from './upstream-socket.ts';

/**
 * One gRPC Watch stream over ONE upstream WebSocket to the gateway's `/v3/watch` (etcd's
 * wsproxy). Why a WebSocket and not a streaming POST per watch: the gateway's bidirectional
 * handler needs a full-duplex body, which Go's HTTP/1 server does not give a plain POST (it reads
 * the whole request body before the first response byte), so a POST could carry one create and
 * nothing after it: no cancel, no progress request, one connection per watch. The WebSocket
 * carries all of a stream's creates, cancels and progress requests, as the gRPC stream does, and
 * is what etcd serves for browsers.
 *
 * The stream survives the upstream going away. Client watch IDs are this proxy's: the upstream's
 * IDs change with every socket, so each watch is mapped. On a new socket every live watch is
 * created again from the first revision it has not delivered (its last event's revision + 1, or
 * past a progress notification's revision; for a watch from "now", past the revision its
 * `created` answer carried), its `created` answer is swallowed, and an event below that revision
 * is never passed on. Because etcd never splits one revision's events between two responses
 * (mvcc/watcher_group.go: eventBatch), resuming at a revision boundary loses and repeats nothing.
 * The upstream is never asked for fragments for the same reason: fragments could split a
 * revision. They are cut here, for the client that asked, as etcd's sendFragments cuts them.
 */
export class WatchProxy {
  private readonly upstream: UpstreamSocket;
  /** Live watches by the client's ID, in creation order. */
  private readonly watches = new Map<string, Watch>();
  /** The current socket's watch IDs. */
  private readonly byUpstreamId = new Map<string, Watch>();
  /** Creates sent on the current socket, answered in order (etcd's recvLoop is sequential). */
  private pending: Pending[] = [];
  /** The client's creates not yet sent (the socket is down). */
  private unsent: CreateRequest[] = [];
  /** Upstream IDs whose cancel answer is not the client's business. */
  private readonly discarding = new Set<string>();
  private progressWanted = false;
  private nextId = 0n;
  private lastHeader: object | undefined;
  private ended = false;

  constructor(
    private readonly call: ServerDuplexStream<WatchRequest, object>,
    gateway: Gateway,
    private readonly maxResponseBytes: number,
  ) {
    this.upstream = new UpstreamSocket(gateway, '/v3/watch', {
      onOpen: () => this.recreate(),
      onResult: (result) => this.fromUpstream(result as WatchResponse),
      onError: (error) => {
        const failure = errorFromStreamChunk(error);
        // Unavailable (no leader, the member stopping) is what a new stream cures.
        if (curedByNewStream(failure)) this.upstream.redial();
        else this.end(failure);
      },
      onDown: () => this.lost(),
      onRefused: (httpStatus) => {
        if (httpStatus >= 400 && httpStatus < 500) this.end(errorFromGatewayAnswer(httpStatus, '', '/v3/watch'));
      },
    }, tokenOf(call.metadata));
    call.on('data', (request: WatchRequest) => this.fromClient(request));
    // A client that half-closes keeps receiving, as etcd's recvLoop returns on EOF and its
    // sendLoop goes on; the stream ends when the client cancels it.
    call.on('cancelled', () => this.end());
    call.on('error', () => this.end());
  }

  private fromClient(request: WatchRequest): void {
    if (request.create_request !== undefined) {
      const create: CreateRequest = { ...request.create_request };
      if (this.upstream.open) this.sendCreate({ kind: 'fresh', request: create });
      else this.unsent.push(create);
    } else if (request.cancel_request !== undefined) {
      this.cancel(String(request.cancel_request.watch_id ?? '0'));
    } else if (request.progress_request !== undefined) {
      if (this.upstream.open) this.upstream.send({ progress_request: {} });
      else this.progressWanted = true;
    }
  }

  private cancel(clientId: string): void {
    const watch = this.watches.get(clientId);
    // etcd answers nothing to a cancel of an unknown watch (v3rpc/watch.go: recvLoop).
    if (watch === undefined || watch.cancelling) return;
    watch.cancelling = true;
    if (watch.upstreamId !== undefined) this.upstream.send({ cancel_request: { watch_id: watch.upstreamId } });
    else if (!this.upstream.open) this.canceled(watch, this.lastHeader);
    // Otherwise its re-creation is under way; the cancel goes up when that is answered.
  }

  /** Sends a create upstream: the client's fields, but the upstream picks the ID and no fragments. */
  private sendCreate(pending: Pending): void {
    const { watch_id: _id, fragment: _fragment, ...fields } = pending.kind === 'fresh' ? pending.request : pending.watch.request;
    const start = pending.kind === 'resume' ? { start_revision: String(pending.watch.nextRevision) } : {};
    this.pending.push(pending);
    this.upstream.send({ create_request: { ...fields, ...start } });
  }

  private recreate(): void {
    for (const watch of this.watches.values()) this.sendCreate({ kind: 'resume', watch });
    const unsent = this.unsent;
    this.unsent = [];
    for (const request of unsent) this.sendCreate({ kind: 'fresh', request });
    if (this.progressWanted) {
      this.progressWanted = false;
      this.upstream.send({ progress_request: {} });
    }
  }

  /** The socket went away: forget its IDs; creates it never answered are sent again. */
  private lost(): void {
    this.byUpstreamId.clear();
    this.discarding.clear();
    const unanswered = this.pending.flatMap((p) => (p.kind === 'fresh' ? [p.request] : []));
    this.unsent = [...unanswered, ...this.unsent];
    this.pending = [];
    for (const watch of [...this.watches.values()]) {
      watch.upstreamId = undefined;
      // Its upstream watch went with the socket: the cancel is done.
      if (watch.cancelling) this.canceled(watch, this.lastHeader);
    }
  }

  private fromUpstream(response: WatchResponse): void {
    if (response.header !== undefined) this.lastHeader = response.header;
    if (response.created === true) {
      this.answerCreate(response);
      return;
    }
    const upstreamId = String(response.watch_id ?? '0');
    // A progress request's answer belongs to no watch (watch_id -1) and is broadcast as it is.
    if (upstreamId === '-1') {
      this.send(response);
      return;
    }
    const watch = this.byUpstreamId.get(upstreamId);
    if (watch === undefined) {
      if (response.canceled === true) this.discarding.delete(upstreamId);
      return;
    }
    if (response.canceled === true) {
      // The client's cancel answered, or a compaction ended the watch (compact_revision set).
      this.byUpstreamId.delete(upstreamId);
      this.watches.delete(watch.clientId);
      this.send({ ...response, watch_id: watch.clientId });
      return;
    }
    const events = response.events ?? [];
    if (events.length === 0) {
      // A progress notification: every event up to its revision has been delivered (etcd sends
      // one only to a synced watcher, mvcc/watchable_store.go: progress).
      const revision = BigInt(response.header?.revision ?? '0');
      if (revision + 1n > watch.nextRevision) watch.nextRevision = revision + 1n;
      this.send({ ...response, watch_id: watch.clientId });
      return;
    }
    const fresh = events.filter((event) => BigInt(event.kv?.mod_revision ?? '0') >= watch.nextRevision);
    if (fresh.length === 0) return;
    watch.nextRevision = BigInt(fresh[fresh.length - 1]!.kv?.mod_revision ?? '0') + 1n;
    const out: WatchResponse = { ...response, watch_id: watch.clientId, events: fresh };
    if (watch.fragment) for (const part of fragments(out, this.maxResponseBytes, watchResponseSize)) this.send(part);
    else this.send(out);
  }

  private answerCreate(response: WatchResponse): void {
    const pending = this.pending.shift();
    if (pending === undefined) return;
    const refused = response.canceled === true;
    const upstreamId = String(response.watch_id ?? '0');
    if (pending.kind === 'resume') {
      const { watch } = pending;
      // Refused this time (e.g. the user lost the permission meanwhile): the watch ends.
      if (refused) this.canceled(watch, response.header, response.cancel_reason);
      else {
        watch.upstreamId = upstreamId;
        this.byUpstreamId.set(upstreamId, watch);
        if (watch.cancelling) this.upstream.send({ cancel_request: { watch_id: upstreamId } });
      }
      return;
    }
    if (refused) {
      this.send(response);
      return;
    }
    const clientId = this.allocateId(pending.request.watch_id);
    if (clientId === undefined) {
      // mvcc/watcher.go watchStream.Watch: a requested ID already in use on this stream.
      this.discarding.add(upstreamId);
      this.upstream.send({ cancel_request: { watch_id: upstreamId } });
      this.send({ header: response.header, watch_id: '-1', created: true, canceled: true, cancel_reason: 'mvcc: duplicate watch ID provided on the WatchStream' });
      return;
    }
    const start = BigInt(pending.request.start_revision ?? '0');
    const watch: Watch = {
      clientId,
      request: pending.request,
      fragment: pending.request.fragment === true,
      // A watch from "now" starts past the revision its creation saw (v3rpc/watch.go: wsrev + 1).
      nextRevision: start > 0n ? start : BigInt(response.header?.revision ?? '0') + 1n,
      upstreamId,
      cancelling: false,
    };
    this.watches.set(clientId, watch);
    this.byUpstreamId.set(upstreamId, watch);
    this.send({ ...response, watch_id: clientId });
  }

  /** etcd's ID choice (mvcc/watcher.go: watchStream.Watch): the requested one, or the next free. */
  private allocateId(requested: string | undefined): string | undefined {
    if (requested !== undefined && requested !== '0') return this.watches.has(requested) ? undefined : requested;
    while (this.watches.has(String(this.nextId))) this.nextId++;
    const id = String(this.nextId);
    this.nextId++;
    return id;
  }

  private canceled(watch: Watch, header: object | undefined, reason?: string): void {
    this.watches.delete(watch.clientId);
    if (watch.upstreamId !== undefined) this.byUpstreamId.delete(watch.upstreamId);
    this.send({ ...(header === undefined ? {} : { header }), watch_id: watch.clientId, canceled: true, ...(reason === undefined ? {} : { cancel_reason: reason }) });
  }

  private send(response: object): void {
    if (!this.ended) this.call.write(response);
  }

  private end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.upstream.close();
    if (error !== undefined) this.call.emit('error', error);
    else if (!this.call.cancelled) this.call.end();
  }
}

interface Watch {
  clientId: string;
  /** The client's create request, replayed on each new socket. */
  request: CreateRequest;
  fragment: boolean;
  /** The first revision not yet delivered to the client. */
  nextRevision: bigint;
  /** Its ID on the current socket; undefined while it is being re-created (or the socket is down). */
  upstreamId: string | undefined;
  cancelling: boolean;
}

type Pending = { kind: 'fresh'; request: CreateRequest } | { kind: 'resume'; watch: Watch };

/** The decoded gRPC messages (protos.ts options: int64 as strings, defaults absent). */
interface CreateRequest {
  key?: string;
  range_end?: string;
  start_revision?: string;
  progress_notify?: boolean;
  filters?: string[];
  prev_kv?: boolean;
  watch_id?: string;
  fragment?: boolean;
}

export interface WatchRequest {
  create_request?: CreateRequest;
  cancel_request?: { watch_id?: string };
  progress_request?: object;
}

interface WatchResponse {
  header?: { revision?: string };
  watch_id?: string;
  created?: boolean;
  canceled?: boolean;
  cancel_reason?: string;
  compact_revision?: string;
  fragment?: boolean;
  events?: { kv?: { mod_revision?: string } }[];
  [field: string]: unknown;
}

/** etcd's limit: --max-request-bytes (1.5 MiB) plus gRPC's overhead (v3rpc/grpc.go: 512 KiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 1.5 * 1024 * 1024 + 512 * 1024;
