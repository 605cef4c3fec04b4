import type { Revision } from './revision.ts';

/**
 * A set of revisions: etcd's `map[revision]struct{}`, the "available" set that index compaction
 * and `Keep` fill in. Most main revisions have one sub, so a main maps to that sub alone and only
 * becomes a Set when a second one arrives.
 */
export class RevisionSet {
  private readonly byMain = new Map<number, number | Set<number>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(rev: Revision): boolean {
    const subs = this.byMain.get(rev.main);
    if (subs === undefined) return false;
    return typeof subs === 'number' ? subs === rev.sub : subs.has(rev.sub);
  }

  add(rev: Revision): void {
    const subs = this.byMain.get(rev.main);
    if (subs === undefined) {
      this.byMain.set(rev.main, rev.sub);
    } else if (typeof subs === 'number') {
      if (subs === rev.sub) return;
      this.byMain.set(rev.main, new Set([subs, rev.sub]));
    } else {
      if (subs.has(rev.sub)) return;
      subs.add(rev.sub);
    }
    this.count++;
  }

  delete(rev: Revision): void {
    const subs = this.byMain.get(rev.main);
    if (subs === undefined) return;
    if (typeof subs === 'number') {
      if (subs !== rev.sub) return;
      this.byMain.delete(rev.main);
    } else {
      if (!subs.delete(rev.sub)) return;
      if (subs.size === 0) this.byMain.delete(rev.main);
    }
    this.count--;
  }

  /** The members in revision order (for tests and diagnostics). */
  sorted(): Revision[] {
    const out: Revision[] = [];
    for (const [main, subs] of this.byMain) {
      if (typeof subs === 'number') out.push({ main, sub: subs });
      else for (const sub of subs) out.push({ main, sub });
    }
    return out.sort((a, b) => (a.main !== b.main ? a.main - b.main : a.sub - b.sub));
  }
}
