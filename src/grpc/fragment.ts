/**
 * etcd's v3rpc sendFragments (etcdserver/api/v3rpc/watch.go): a watch response whose encoded size
 * reaches the limit is split into several carrying `fragment: true`, all but the last, each
 * holding as many events as fit (at least one). A response under the limit, or with fewer than
 * two events, goes whole.
 */
export interface FragmentableResponse {
  events?: object[];
  fragment?: boolean;
  [field: string]: unknown;
}

export function fragments<T extends FragmentableResponse>(response: T, maxBytes: number, sizeOf: (response: object) => number): T[] {
  const events = response.events ?? [];
  if (events.length < 2 || sizeOf(response) < maxBytes) return [response];
  // The size of a response grows by each event's own encoded field (a repeated field's entries
  // are independent), so one measurement per event replaces etcd's re-measuring per append.
  const emptySize = sizeOf({ ...response, events: [], fragment: true });
  const eventSizes = events.map((event) => sizeOf({ ...response, events: [event], fragment: true }) - emptySize);
  const out: T[] = [];
  let index = 0;
  while (index < events.length) {
    let size = emptySize;
    const start = index;
    for (; index < events.length; index++) {
      size += eventSizes[index]!;
      if (index > start && size >= maxBytes) break;
    }
    const last = index === events.length;
    const part = { ...response, events: events.slice(start, index) } as T;
    if (last) delete part.fragment;
    else part.fragment = true;
    out.push(part);
  }
  return out;
}
