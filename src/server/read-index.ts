/**
 * Linearizable reads by ReadIndex (Raft thesis section 6.4): a read waits until the leader has
 * confirmed its leadership with a heartbeat round and this member has applied up to the commit
 * index the leader reported. Reads that arrive while a round is out ride the next round, so any
 * number of concurrent quorum reads costs one round at a time and no log write.
 */
export class ReadIndexBatcher {
  private next: Reader[] = [];
  private inFlight: { ctx: string; readers: Reader[]; sentTick: number; index?: number } | undefined;
  private seq = 0;

  constructor(
    /** Asks Raft for a read index; the answer comes back as a read state carrying `ctx`. */
    private readonly requestReadIndex: (ctx: string) => void,
    private readonly retryTicks: number,
  ) {}

  read(deadlineTick: number): Promise<void> {
    return new Promise((resolve, reject) => this.next.push({ resolve, reject, deadlineTick }));
  }

  /** Starts a round if none is out and reads are waiting. */
  kick(nowTick: number): void {
    if (this.inFlight !== undefined || this.next.length === 0) return;
    const ctx = `read-${++this.seq}`;
    this.inFlight = { ctx, readers: this.next, sentTick: nowTick };
    this.next = [];
    this.requestReadIndex(ctx);
  }

  onReadState(ctx: string, index: number): void {
    if (this.inFlight?.ctx === ctx) this.inFlight.index = index;
  }

  /** Releases the round once `appliedIndex` reaches its read index, then starts the next. */
  release(appliedIndex: number, nowTick: number): void {
    const round = this.inFlight;
    if (round?.index === undefined || appliedIndex < round.index) return;
    this.inFlight = undefined;
    for (const r of round.readers) r.resolve();
    this.kick(nowTick);
  }

  /**
   * Per tick: readers past their deadline fail; a round with no answer (no leader, a lost
   * heartbeat) is sent again, since Raft drops read requests it cannot serve.
   */
  onTick(nowTick: number, timeout: Error): void {
    const expired = (r: Reader): boolean => {
      if (r.deadlineTick > nowTick) return false;
      r.reject(timeout);
      return true;
    };
    this.next = this.next.filter((r) => !expired(r));
    const round = this.inFlight;
    if (round === undefined) return;
    round.readers = round.readers.filter((r) => !expired(r));
    if (round.index === undefined && nowTick - round.sentTick >= this.retryTicks) {
      this.inFlight = undefined;
      this.next = [...round.readers, ...this.next];
    }
    this.kick(nowTick);
  }

  failAll(error: Error): void {
    for (const r of [...(this.inFlight?.readers ?? []), ...this.next]) r.reject(error);
    this.inFlight = undefined;
    this.next = [];
  }
}

interface Reader {
  resolve(): void;
  reject(error: Error): void;
  deadlineTick: number;
}
