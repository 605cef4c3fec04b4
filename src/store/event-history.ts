import { ErrorCode, EtcdError } from './errors.ts';
import { Action, type Event } from './event.ts';
import { EventQueue } from './event-queue.ts';
import { clean } from './path.ts';

/** How many events etcd keeps for `waitIndex` (`newWatchHub(1000)`). */
export const HISTORY_CAPACITY = 1000;

/**
 * ...and, here, at most this many characters of values (each event's value and previous value).
 * etcd keeps 1,000 events whatever they hold; 1,000 overwrites of a 1 MiB value would be 2 GB in
 * a member with 128 MB. Past it the oldest events go first, and a watch from before them gets
 * the same 401 as one from before the 1,000th event. Small values never reach it.
 */
export const HISTORY_VALUE_CHARS = 16 * 1024 * 1024;

const weight = (e: Event | undefined): number => (e?.node.value?.length ?? 0) + (e?.prevNode?.value?.length ?? 0);

/**
 * The last events, for watches that start in the past (etcd's `EventHistory`). Every write and
 * every expiry makes exactly one event and one index, so an index maps to a queue offset.
 */
export class EventHistory {
  queue: EventQueue;
  startIndex = 0;
  lastIndex = 0;
  /** The value characters the queued events hold (see HISTORY_VALUE_CHARS). */
  private valueChars = 0;

  constructor(
    capacity = HISTORY_CAPACITY,
    private readonly maxValueChars = HISTORY_VALUE_CHARS,
  ) {
    this.queue = new EventQueue(capacity);
  }

  add(e: Event): void {
    if (this.queue.size === this.queue.capacity) this.valueChars -= weight(this.queue.at(0));
    this.queue.insert(e);
    this.valueChars += weight(e);
    while (this.valueChars > this.maxValueChars && this.queue.size > 1) this.valueChars -= weight(this.queue.dropFront());
    this.lastIndex = e.index;
    this.startIndex = this.queue.at(0)?.index ?? 0;
  }

  /** After the queue was set from a snapshot. */
  recount(): void {
    this.valueChars = 0;
    for (const e of this.queue) this.valueChars += weight(e);
  }

  /**
   * The first event at or after `index` that a watcher of `key` would see, or undefined if none
   * happened yet. Throws 401 when `index` is older than the oldest event kept.
   */
  scan(key: string, recursive: boolean, index: number): Event | undefined {
    if (index < this.startIndex) {
      throw new EtcdError(
        ErrorCode.EventIndexCleared,
        `the requested history has been cleared [${this.startIndex}/${index}]`,
        0,
      );
    }
    if (index > this.lastIndex) return undefined;

    const prefix = recursive ? withTrailingSlash(clean(key)) : undefined;
    for (let offset = index - this.startIndex; offset < this.queue.size; offset++) {
      const e = this.queue.at(offset);
      if (e === undefined || e.refresh) continue;
      const k = e.node.key;
      let ok = k === key || (prefix !== undefined && k.startsWith(prefix));
      // A deleted or expired dir concerns every key below it.
      if ((e.action === Action.Delete || e.action === Action.Expire) && e.prevNode?.dir === true) {
        ok ||= key.startsWith(e.prevNode.key);
      }
      if (ok) return e;
    }
    return undefined;
  }

  clone(): EventHistory {
    const copy = new EventHistory(this.queue.capacity, this.maxValueChars);
    copy.queue.events.splice(0, this.queue.capacity, ...this.queue.events);
    copy.queue.size = this.queue.size;
    copy.queue.front = this.queue.front;
    copy.queue.back = this.queue.back;
    copy.startIndex = this.startIndex;
    copy.lastIndex = this.lastIndex;
    copy.valueChars = this.valueChars;
    return copy;
  }
}

function withTrailingSlash(p: string): string {
  return p.endsWith('/') ? p : p + '/';
}
