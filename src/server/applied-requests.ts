import type { ApplyResult } from './apply-v2.ts';

/**
 * The outcomes of the most recently applied requests, by request ID. A client's write that the
 * front door had to retry (its member lost leadership, an election was under way) carries the
 * first attempt's ID; if that attempt did commit, the retry is answered with its outcome instead
 * of being applied twice. Part of the replicated state: every member holds the same window, and
 * snapshots carry it.
 */
export class AppliedRequests {
  private readonly outcomes = new Map<string, ApplyResult>();

  constructor(private readonly capacity = 1024) {}

  get(id: string): ApplyResult | undefined {
    return this.outcomes.get(id);
  }

  record(id: string, outcome: ApplyResult): void {
    this.outcomes.set(id, outcome);
    if (this.outcomes.size > this.capacity) {
      const oldest = this.outcomes.keys().next().value as string;
      this.outcomes.delete(oldest);
    }
  }

  /** Serialised with the snapshot; errors keep their JSON form (`toJSON`). */
  save(): [string, unknown][] {
    return [...this.outcomes].map(([id, outcome]) => [id, outcome]);
  }

  recover(saved: [string, ApplyResult][]): void {
    this.outcomes.clear();
    for (const [id, outcome] of saved) this.outcomes.set(id, outcome);
  }
}
