import { percentDecode } from '../percent-decode.ts';

/**
 * Form values as Go's `http.Request.ParseForm` builds them, which is what etcd reads: for PUT,
 * POST and PATCH a `application/x-www-form-urlencoded` body comes first, then the query string;
 * `FormValue` and etcd's `getBool`/`getUint64` take the first value of a key.
 */
export type FormValues = Map<string, string[]>;

export interface ParsedForm {
  values: FormValues;
  /** Go's parse error, if any (etcd answers 209 Invalid POST form with it as the cause). */
  error?: string;
}

/** Go's `maxFormSize`: a larger urlencoded body is refused. */
const MAX_FORM_BYTES = 10 << 20;

/** A body known to be past Go's form limit without reading it (see `oversizedForm`). */
export const OVERSIZED_FORM = { oversized: true } as const;

const isUrlencoded = (contentType: string | null): boolean =>
  (contentType ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';

/**
 * Whether a request's form body is past Go's limit by its declared length alone. Go reads such a
 * body only up to the limit and refuses it; here it is not read at all, so an 11 MiB form costs
 * nothing (decoding and measuring one took 150 ms of the member's thread).
 */
export function oversizedForm(method: string, contentType: string | null, contentLength: string | null): boolean {
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') return false;
  return contentLength !== null && Number(contentLength) > MAX_FORM_BYTES && isUrlencoded(contentType);
}

export function parseForm(method: string, rawQuery: string, contentType: string | null, body: string | typeof OVERSIZED_FORM | null): ParsedForm {
  const values: FormValues = new Map();
  let error: string | undefined;
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && body !== null && isUrlencoded(contentType)) {
    if (typeof body !== 'string' || body.length > MAX_FORM_BYTES) error = 'http: POST too large';
    else error = parseQueryInto(body, values);
  }
  const queryError = parseQueryInto(rawQuery, values);
  error ??= queryError;
  return error === undefined ? { values } : { values, error };
}

/** Go's `url.ParseQuery`: `&`-separated, a `;` is an error, bad escapes skip the pair. */
function parseQueryInto(query: string, into: FormValues): string | undefined {
  let error: string | undefined;
  for (const pair of query.split('&')) {
    if (pair.includes(';')) {
      error ??= 'invalid semicolon separator in query';
      continue;
    }
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = unescapeQuery(eq === -1 ? pair : pair.slice(0, eq));
    const value = unescapeQuery(eq === -1 ? '' : pair.slice(eq + 1));
    if (typeof key !== 'string') {
      error ??= key.error;
      continue;
    }
    if (typeof value !== 'string') {
      error ??= value.error;
      continue;
    }
    const list = into.get(key);
    if (list === undefined) into.set(key, [value]);
    else list.push(value);
  }
  return error;
}

/** Go's `url.QueryUnescape`: `+` is a space; `%` must start two hex digits. */
export function unescapeQuery(s: string): string | { error: string } {
  const decoded = percentDecode(s, true);
  return typeof decoded === 'string' ? decoded : { error: `invalid URL escape ${JSON.stringify(decoded.badEscape)}` };
}

/** The first value, as Go's `Values.Get`/`FormValue`; `''` when absent. */
export function formValue(form: FormValues, key: string): string {
  return form.get(key)?.[0] ?? '';
}

/** Go's `strconv.ParseBool`. */
export function parseGoBool(s: string): boolean | undefined {
  switch (s) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False':
      return false;
    default:
      return undefined;
  }
}

/**
 * Go's `strconv.ParseUint(s, 10, 64)`: decimal digits only, at most 2^64-1. Values above 2^53
 * lose precision as numbers, which no index reaches (a TTL takes `parseGoUint64`).
 */
export function parseGoUint(s: string): number | undefined {
  const parsed = parseGoUint64(s);
  return parsed === undefined ? undefined : Number(parsed);
}

/** `parseGoUint` with all 64 bits kept. */
export function parseGoUint64(s: string): bigint | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  if (s.length > 20) return undefined;
  const parsed = BigInt(s);
  return parsed > 0xffff_ffff_ffff_ffffn ? undefined : parsed;
}
