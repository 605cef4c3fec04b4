import { newRequest, type V2Method, type V2Request } from '../../server/index.ts';
import { EtcdError, ErrorCode, normalizeKey } from '../../store/index.ts';
import { formValue, parseGoBool, parseGoUint, parseGoUint64, type ParsedForm } from './form.ts';

/** etcd keeps user keys under `/1` in its store (`etcdserver.StoreKeysPrefix`). */
export const STORE_KEYS_PREFIX = '/1';
export const KEYS_PREFIX = '/v2/keys';

/**
 * Size caps of this deployment (etcd's v2 API takes up to its 10 MiB form limit). A member's log
 * entry is one SQLite row, capped at 2 MB on Durable Objects, and the store lives in an isolate
 * of 128 MB: a larger value is refused up front with 209 Invalid field, never half-written.
 */
export const MAX_VALUE_BYTES = 1024 * 1024;
export const MAX_KEY_BYTES = 64 * 1024;

export interface KeyRequest {
  request: V2Request;
  noValueOnSuccess: boolean;
}

/**
 * etcd's `parseKeyRequest` (v2http/client.go): validates the form and builds the member request.
 * Validation order and every error's code and cause are etcd's. `nowMs` fixes a TTL's absolute
 * expiry at the receiving member, as etcd does.
 */
export function parseKeyRequest(method: string, urlPath: string, form: ParsedForm, nowMs: number): KeyRequest {
  if (form.error !== undefined) throw new EtcdError(ErrorCode.InvalidForm, form.error);
  if (!urlPath.startsWith(KEYS_PREFIX)) throw new EtcdError(ErrorCode.InvalidForm, 'incorrect key prefix');
  const values = form.values;
  const path = normalizeKey(`${STORE_KEYS_PREFIX}/${urlPath.slice(KEYS_PREFIX.length)}`);

  const uint = (key: string, code: number, cause: string): number => {
    const raw = values.get(key)?.[0];
    if (raw === undefined) return 0;
    const parsed = parseGoUint(raw);
    if (parsed === undefined) throw new EtcdError(code, cause);
    return parsed;
  };
  const bool = (key: string, cause = `invalid value for "${key}"`): boolean => {
    const raw = values.get(key)?.[0];
    if (raw === undefined) return false;
    const parsed = parseGoBool(raw);
    if (parsed === undefined) throw new EtcdError(ErrorCode.InvalidField, cause);
    return parsed;
  };

  const prevIndex = uint('prevIndex', ErrorCode.IndexNaN, 'invalid value for "prevIndex"');
  const since = uint('waitIndex', ErrorCode.IndexNaN, 'invalid value for "waitIndex"');
  const recursive = bool('recursive');
  const sorted = bool('sorted');
  const wait = bool('wait');
  const dir = bool('dir');
  const quorum = bool('quorum');
  const stream = bool('stream');
  if (wait && method !== 'GET') throw new EtcdError(ErrorCode.InvalidField, '"wait" can only be used with GET requests');

  const prevValue = formValue(values, 'prevValue');
  if (values.has('prevValue') && prevValue === '') {
    throw new EtcdError(ErrorCode.PrevValueRequired, '"prevValue" cannot be empty');
  }
  const noValueOnSuccess = bool('noValueOnSuccess');

  // A TTL is nullable: absent or empty means none (which makes a written key permanent).
  let ttl: bigint | undefined;
  if (formValue(values, 'ttl').length > 0) {
    ttl = parseGoUint64(formValue(values, 'ttl'));
    if (ttl === undefined) throw new EtcdError(ErrorCode.TTLNaN, 'invalid value for "ttl"');
  }

  let prevExist: boolean | undefined;
  if (values.has('prevExist')) prevExist = bool('prevExist', 'invalid value for prevExist');

  let refresh: boolean | undefined;
  if (values.has('refresh')) {
    refresh = bool('refresh', 'invalid value for refresh');
    if (refresh) {
      if (values.has('value') && formValue(values, 'value') !== '') {
        throw new EtcdError(ErrorCode.RefreshValue, 'A value was provided on a refresh');
      }
      if (ttl === undefined) throw new EtcdError(ErrorCode.RefreshTTLRequired, 'No TTL value set');
    }
  }

  const val = formValue(values, 'value');
  const valueBytes = utf8Length(val);
  if (valueBytes > MAX_VALUE_BYTES) {
    throw new EtcdError(ErrorCode.InvalidField, `value is too large: ${valueBytes} bytes (edgecd accepts at most ${MAX_VALUE_BYTES})`);
  }
  const keyBytes = utf8Length(path);
  if (keyBytes > MAX_KEY_BYTES) {
    throw new EtcdError(ErrorCode.InvalidField, `key is too long: ${keyBytes} bytes (edgecd accepts at most ${MAX_KEY_BYTES})`);
  }

  const request = newRequest({
    method: (quorum && method === 'GET' ? 'QGET' : method) as V2Method,
    path,
    val,
    dir,
    prevValue,
    prevIndex,
    wait,
    since,
    recursive,
    sorted,
    quorum,
    stream,
    expiration: ttl === undefined ? 0 : goExpirationMs(nowMs, ttl),
  });
  if (prevExist !== undefined) request.prevExist = prevExist;
  if (refresh !== undefined) request.refresh = refresh;
  return { request, noValueOnSuccess };
}

/**
 * The expiry etcd derives from `ttl` seconds (v2http `parseKeyRequest`):
 * `clock.Now().Add(time.Duration(ttl) * time.Second).UnixNano()`, overflow included, since that
 * is what clients see: Go's int64 arithmetic wraps, so ttl=9223372036854775807 expired a second
 * ago, and ttl=9223372036 lands past 2262, where `UnixNano` wraps negative and the store takes
 * the key as permanent (before 2000). 0 means no expiry, as in etcd.
 */
export function goExpirationMs(nowMs: number, ttl: bigint): number {
  const duration = BigInt.asIntN(64, BigInt.asIntN(64, ttl) * 1_000_000_000n);
  const unixNano = BigInt.asIntN(64, BigInt(Math.round(nowMs * 1e6)) + duration);
  return Number(unixNano) / 1e6;
}

/** The UTF-8 size of a string: what the value weighs in the log entry and the store. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is 4 bytes: 2 for each half.
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return bytes;
}
