import type { Event } from './event.ts';

/** Undelivered events a watcher may hold, like etcd's buffered `eventChan` of 100. */
export const WATCHER_BUFFER = 100;

/**
 * One watch (etcd's `watcher`), shaped for an async host: `next()` yields the events in order and
 * resolves `undefined` once the watcher is done (removed, overflowed, or a one-shot that fired).
 */
export class Watcher {
  private readonly buffer: Event[] = [];
  private readonly waiting: ((e: Event | undefined) => void)[] = [];
  /** No event will be added any more; `next()` drains the buffer, then resolves undefined. */
  private ended = false;
  /** Set by the hub while registered; unregisters this watcher. */
  detach: (() => void) | undefined;

  constructor(
    readonly recursive: boolean,
    readonly stream: boolean,
    /** The first index this watcher is interested in. */
    readonly sinceIndex: number,
    /** The store index when the watch started: the response's `X-Etcd-Index`. */
    readonly startIndex: number,
  ) {}

  /** The next event, or undefined once the watcher is done. */
  next(): Promise<Event | undefined> {
    const e = this.buffer.shift();
    if (e !== undefined || this.ended) return Promise.resolve(e);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The next event if one is already buffered. */
  tryNext(): Event | undefined {
    return this.buffer.shift();
  }

  /** Whether no event can come any more (buffered ones may still be read). */
  get done(): boolean {
    return this.ended;
  }

  /** Events buffered and not yet read. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Stops the watch: unregisters it and ends `next()` (etcd's `Remove`, called when the client leaves). */
  remove(): void {
    this.detach?.();
    this.end();
  }

  /** Hands an event over; false when the buffer is full (the hub then drops this watcher). */
  deliver(e: Event): boolean {
    const resolve = this.waiting.shift();
    if (resolve !== undefined) {
      resolve(e);
      return true;
    }
    if (this.buffer.length >= WATCHER_BUFFER) return false;
    this.buffer.push(e);
    return true;
  }

  /** No more events: waiting readers get undefined, later ones after the buffer drains. */
  end(): void {
    this.ended = true;
    for (const resolve of this.waiting.splice(0)) resolve(undefined);
  }
}
