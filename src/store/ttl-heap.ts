import type { Node } from './node.ts';

/**
 * The nodes with a TTL, soonest expiry on top (etcd's `ttlKeyHeap`), so that expiring keys costs
 * O(log n) each and no scan of the tree. Each node remembers its slot for O(log n) removal.
 */
export class TTLKeyHeap {
  private readonly nodes: Node[] = [];

  get size(): number {
    return this.nodes.length;
  }

  top(): Node | undefined {
    return this.nodes[0];
  }

  push(n: Node): void {
    if (n.heapIndex !== -1) return;
    n.heapIndex = this.nodes.length;
    this.nodes.push(n);
    this.up(n.heapIndex);
  }

  pop(): Node | undefined {
    const top = this.nodes[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Re-places a node whose `expireTime` changed. */
  update(n: Node): void {
    if (n.heapIndex === -1) return;
    if (!this.down(n.heapIndex)) this.up(n.heapIndex);
  }

  remove(n: Node): void {
    const i = n.heapIndex;
    if (i === -1 || this.nodes[i] !== n) return;
    const last = this.nodes.pop();
    n.heapIndex = -1;
    if (last === undefined || last === n) return;
    this.nodes[i] = last;
    last.heapIndex = i;
    if (!this.down(i)) this.up(i);
  }

  private less(i: number, j: number): boolean {
    return this.at(i).expireTime < this.at(j).expireTime;
  }

  private at(i: number): Node {
    const n = this.nodes[i];
    if (n === undefined) throw new RangeError(`ttl heap slot ${i} is empty`);
    return n;
  }

  private swap(i: number, j: number): void {
    const a = this.at(i);
    const b = this.at(j);
    this.nodes[i] = b;
    this.nodes[j] = a;
    b.heapIndex = i;
    a.heapIndex = j;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Sifts down; true if the node moved. */
  private down(start: number): boolean {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.nodes.length) break;
      const right = left + 1;
      const child = right < this.nodes.length && this.less(right, left) ? right : left;
      if (!this.less(child, i)) break;
      this.swap(i, child);
      i = child;
    }
    return i > start;
  }
}
