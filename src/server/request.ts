/**
 * A v2 request as a member handles it: etcd's `etcdserverpb.Request`. The HTTP layer builds one
 * from a client's request; writes travel through the Raft log as `encodeRequest`'s JSON and are
 * applied by every member.
 */
export interface V2Request {
  /** Unique per request; a write carrying an id that was already applied is not applied again. */
  id: string;
  method: V2Method;
  /** Store path, `/1/...` for user keys (etcd's StoreKeysPrefix), `/0/...` for membership. */
  path: string;
  val: string;
  dir: boolean;
  prevValue: string;
  prevIndex: number;
  /** `prevExist` is tri-state in etcd: unset, true or false. */
  prevExist?: boolean;
  wait: boolean;
  /** `waitIndex`. */
  since: number;
  recursive: boolean;
  sorted: boolean;
  quorum: boolean;
  stream: boolean;
  /** Absolute expiry in epoch milliseconds, fixed by the member that received the request; 0 = none. */
  expiration: number;
  refresh?: boolean;
  /** A SYNC's time: the leader's clock, epoch milliseconds (etcd: `Time`). */
  time: number;
}

export type V2Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'QGET' | 'SYNC';

export function newRequest(fields: Partial<V2Request> & Pick<V2Request, 'method' | 'path'>): V2Request {
  return {
    id: '',
    val: '',
    dir: false,
    prevValue: '',
    prevIndex: 0,
    wait: false,
    since: 0,
    recursive: false,
    sorted: false,
    quorum: false,
    stream: false,
    expiration: 0,
    time: 0,
    ...fields,
  };
}

/**
 * A replicated request as log entry data. Only the fields apply reads are kept, and defaults are
 * left out, so the common `PUT /1/key value` entry stays small.
 */
interface EncodedRequest {
  i: string;
  m: V2Method;
  p: string;
  v?: string;
  d?: 1;
  pv?: string;
  pi?: number;
  pe?: boolean;
  r?: 1;
  s?: 1;
  e?: number;
  rf?: boolean;
  t?: number;
}

export function encodeRequest(r: V2Request): string {
  const e: EncodedRequest = { i: r.id, m: r.method, p: r.path };
  if (r.val !== '') e.v = r.val;
  if (r.dir) e.d = 1;
  if (r.prevValue !== '') e.pv = r.prevValue;
  if (r.prevIndex !== 0) e.pi = r.prevIndex;
  if (r.prevExist !== undefined) e.pe = r.prevExist;
  if (r.recursive) e.r = 1;
  if (r.sorted) e.s = 1;
  if (r.expiration !== 0) e.e = r.expiration;
  if (r.refresh !== undefined) e.rf = r.refresh;
  if (r.time !== 0) e.t = r.time;
  return JSON.stringify(e);
}

export function decodeRequest(data: string): V2Request {
  const e = JSON.parse(data) as EncodedRequest;
  const r = newRequest({
    id: e.i,
    method: e.m,
    path: e.p,
    val: e.v ?? '',
    dir: e.d === 1,
    prevValue: e.pv ?? '',
    prevIndex: e.pi ?? 0,
    recursive: e.r === 1,
    sorted: e.s === 1,
    expiration: e.e ?? 0,
    time: e.t ?? 0,
  });
  if (e.pe !== undefined) r.prevExist = e.pe;
  if (e.rf !== undefined) r.refresh = e.rf;
  return r;
}
