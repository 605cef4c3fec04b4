import BTreeExport, { simpleComparator } from 'sorted-btree';

/**
 * The ordered map under the key index: sorted-btree's B+ tree (etcd uses google/btree).
 *
 * sorted-btree is CommonJS with `exports.default = BTree` and `__esModule`. Bundlers (esbuild
 * for workerd, vite for vitest) honour `__esModule` and hand the class as the default import;
 * Node's own ESM loader (tsx scripts) hands the whole `exports` object instead. Both are
 * accepted here so the core runs unchanged under each.
 */
const BTree: typeof BTreeExport =
  (BTreeExport as unknown as { default?: typeof BTreeExport }).default ?? BTreeExport;

/**
 * Keys are byte strings (see kv.ts), so `<` on them is byte order: the simple comparator is
 * exact and faster than the library's default one, which also handles mixed types.
 */
export function newOrderedMap<V>(): BTreeExport<string, V> {
  return new BTree<string, V>(undefined, simpleComparator as (a: string, b: string) => number);
}

export type OrderedMap<V> = BTreeExport<string, V>;
