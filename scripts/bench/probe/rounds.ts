/**
 * Group commit in its smallest form: items that arrive while a round is in flight wait and ride
 * the next round together. `runRound` does the round's I/O for a whole batch and returns one
 * outcome per item.
 */
export class Rounds<Item, Outcome> {
  private waiting: { item: Item; resolve(outcome: Outcome): void; reject(error: unknown): void }[] = [];
  private inFlight = false;

  constructor(private readonly runRound: (items: Item[]) => Promise<Outcome[]>) {}

  submit(item: Item): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.inFlight || this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    this.inFlight = true;
    this.runRound(batch.map((w) => w.item))
      .then(
        (outcomes) => batch.forEach((w, i) => w.resolve(outcomes[i]!)),
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .finally(() => {
        this.inFlight = false;
        this.kick();
      });
  }
}
