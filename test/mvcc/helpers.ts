import type { Bytes, KeyValue, LeaseAttachments, LeaseId } from '../../src/mvcc/index.ts';

/**
 * The lessor's side of the attach/detach port, as its key → lease map (etcd's `itemMap`), strict:
 * detaching a key from a lease it is not attached to throws, so a wrong call fails the test.
 */
export class LeaseItems implements LeaseAttachments {
  readonly byKey = new Map<Bytes, LeaseId>();
  readonly calls: string[] = [];

  attach(id: LeaseId, key: Bytes): void {
    this.calls.push(`attach ${id} ${key}`);
    this.byKey.set(key, id);
  }

  detach(id: LeaseId, key: Bytes): void {
    this.calls.push(`detach ${id} ${key}`);
    if (this.byKey.get(key) !== id) throw new Error(`detach ${key} from ${id}: attached to ${this.byKey.get(key)}`);
    this.byKey.delete(key);
  }
}

/** A key-value as etcd's tests write one. */
export function kv(key: Bytes, value: Bytes, createRevision: number, modRevision: number, version: number, lease = 0n): KeyValue {
  return { key, value, createRevision, modRevision, version, lease };
}
