import type { Event } from './event.ts';

/** A fixed-capacity ring of events, the oldest dropped first (etcd's `eventQueue`). */
export class EventQueue {
  readonly events: (Event | undefined)[];
  size = 0;
  front = 0;
  back = 0;

  constructor(readonly capacity: number) {
    this.events = new Array<Event | undefined>(capacity).fill(undefined);
  }

  insert(e: Event): void {
    this.events[this.back] = e;
    this.back = (this.back + 1) % this.capacity;
    if (this.size === this.capacity) this.front = (this.front + 1) % this.capacity;
    else this.size++;
  }

  /** Drops the oldest event. */
  dropFront(): Event | undefined {
    if (this.size === 0) return undefined;
    const e = this.events[this.front];
    this.events[this.front] = undefined;
    this.front = (this.front + 1) % this.capacity;
    this.size--;
    return e;
  }

  /** The event `offset` places after the front. */
  at(offset: number): Event | undefined {
    return this.events[(this.front + offset) % this.capacity];
  }

  /** Events oldest first. */
  *[Symbol.iterator](): IterableIterator<Event> {
    for (let i = 0; i < this.size; i++) {
      const e = this.at(i);
      if (e !== undefined) yield e;
    }
  }
}
