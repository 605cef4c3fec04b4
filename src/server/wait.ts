/**
 * Requests waiting for their log entry to be applied, by request ID (etcd's `pkg/wait`). A
 * retried request shares its ID with the first attempt, so one ID may have several waiters.
 */
export class Wait<T> {
  private readonly waiting = new Map<string, Waiter<T>[]>();

  register(id: string, deadlineTick: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const list = this.waiting.get(id);
      const waiter = { resolve, reject, deadlineTick };
      if (list === undefined) this.waiting.set(id, [waiter]);
      else list.push(waiter);
    });
  }

  isRegistered(id: string): boolean {
    return this.waiting.has(id);
  }

  trigger(id: string, value: T): void {
    const list = this.waiting.get(id);
    if (list === undefined) return;
    this.waiting.delete(id);
    for (const w of list) w.resolve(value);
  }

  fail(id: string, error: Error): void {
    const list = this.waiting.get(id);
    if (list === undefined) return;
    this.waiting.delete(id);
    for (const w of list) w.reject(error);
  }

  failAll(error: Error): void {
    for (const id of [...this.waiting.keys()]) this.fail(id, error);
  }

  /** Rejects every waiter whose deadline has passed. */
  expire(nowTick: number, error: Error): void {
    for (const [id, list] of this.waiting) {
      const live = list.filter((w) => {
        if (w.deadlineTick > nowTick) return true;
        w.reject(error);
        return false;
      });
      if (live.length === 0) this.waiting.delete(id);
      else this.waiting.set(id, live);
    }
  }

  get size(): number {
    return this.waiting.size;
  }
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  deadlineTick: number;
}
