import type { KeyValue, ReadView } from '../../mvcc/index.ts';
import { goSort, goSortReverse } from './go-sort.ts';
import type { RangeRequest, RangeResponse, ResponseHeader, SortTarget } from './rpc.ts';

/** A header with only the revision set: the server fills the rest for the outermost response. */
export function revisionHeader(revision: number): ResponseHeader {
  return { clusterId: '', memberId: '', revision, raftTerm: 0 };
}

/**
 * etcd's `applierV3backend.Range` (etcdserver/apply.go): the store's range, then the filters,
 * sort and limit the request asks for. Throws the store's compacted / future-revision errors.
 */
export function applyRange(view: ReadView, r: RangeRequest): RangeResponse {
  const filtered = r.minModRevision !== 0 || r.maxModRevision !== 0 || r.minCreateRevision !== 0 || r.maxCreateRevision !== 0;
  // Sorting or filtering needs every match; otherwise one more than the limit tells `more`.
  let limit = r.sortOrder !== 'NONE' || filtered ? 0 : r.limit;
  if (limit > 0) limit++;
  const result = view.range(r.key, r.rangeEnd, { limit, rev: r.revision, count: r.countOnly });

  let kvs = result.kvs;
  if (r.maxModRevision !== 0) kvs = kvs.filter((kv) => kv.modRevision <= r.maxModRevision);
  if (r.minModRevision !== 0) kvs = kvs.filter((kv) => kv.modRevision >= r.minModRevision);
  if (r.maxCreateRevision !== 0) kvs = kvs.filter((kv) => kv.createRevision <= r.maxCreateRevision);
  if (r.minCreateRevision !== 0) kvs = kvs.filter((kv) => kv.createRevision >= r.minCreateRevision);

  // The store answers in key order, so a sort by key ascending only when asked; any other target
  // sorts ascending by default.
  const order = r.sortTarget !== 'KEY' && r.sortOrder === 'NONE' ? 'ASCEND' : r.sortOrder;
  if (order !== 'NONE') kvs = sortKeyValues(kvs, r.sortTarget, order === 'DESCEND');

  let more = false;
  if (r.limit > 0 && kvs.length > r.limit) {
    kvs = kvs.slice(0, r.limit);
    more = true;
  }
  if (r.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: '' }));
  return { header: revisionHeader(result.rev), kvs, more, count: result.count };
}

/** etcd's `kvSortBy*` with Go's own sort, so that equal targets come out in etcd's order. */
function sortKeyValues(kvs: KeyValue[], target: SortTarget, descending: boolean): KeyValue[] {
  const less = LESS[target];
  return descending ? goSortReverse([...kvs], less) : goSort([...kvs], less);
}

const LESS: Record<SortTarget, (a: KeyValue, b: KeyValue) => boolean> = {
  KEY: (a, b) => a.key < b.key,
  VERSION: (a, b) => a.version < b.version,
  CREATE: (a, b) => a.createRevision < b.createRevision,
  MOD: (a, b) => a.modRevision < b.modRevision,
  VALUE: (a, b) => a.value < b.value,
};
