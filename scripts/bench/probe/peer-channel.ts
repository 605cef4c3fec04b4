import type { DurableObjectNamespace, DurableObjectStub } from 'cloudflare:workers';

export interface LogRow {
  idx: number;
  key: string;
  value: string;
}

/**
 * The probe's link to one follower object, shaped like edgecd's peer transport: one request in
 * flight at a time; rows appended meanwhile go together in the next one. `append` resolves when
 * the follower has answered, i.e. after its transaction is durable (its output gate holds the
 * answer until then).
 */
export class PeerChannel {
  private stub: DurableObjectStub | undefined;
  private queue: { rows: LogRow[]; resolve(): void; reject(error: unknown): void }[] = [];
  private inFlight = false;

  constructor(
    private readonly namespace: DurableObjectNamespace,
    private readonly name: string,
  ) {}

  append(rows: LogRow[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.flush();
    });
  }

  /** A quorum read's round trip: the follower answers at once (nothing to persist). */
  async ping(): Promise<void> {
    const response = await this.peer().fetch('http://probe/ping', { method: 'POST' });
    await response.arrayBuffer();
  }

  private flush(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = true;
    const body = JSON.stringify(batch.flatMap((b) => b.rows));
    this.peer()
      .fetch('http://probe/append', { method: 'POST', body })
      .then(async (response) => {
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`append to ${this.name}: ${response.status}`);
      })
      .then(
        () => batch.forEach((b) => b.resolve()),
        (error: unknown) => {
          // A stub that threw is broken: the next request makes a new one.
          this.stub = undefined;
          batch.forEach((b) => b.reject(error));
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.flush();
      });
  }

  private peer(): DurableObjectStub {
    this.stub ??= this.namespace.get(this.namespace.idFromName(this.name));
    return this.stub;
  }
}
